import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, type TranslateConfig } from '@aws-sdk/lib-dynamodb';

/**
 * Default SDK clients shared by every adapter, created lazily on first use (so a Lambda that never
 * touches SQS never builds an SQS client) and reused for the life of the process.
 *
 * Endpoints are NOT read here: SDK v3 (smithy `getEndpointUrlConfig`) already honours the standard
 * `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_SQS` (and the global
 * `AWS_ENDPOINT_URL`) variables, which is how the local runtime points Lambda code at the emulators.
 * Region and credentials come from the usual provider chain as well.
 *
 * Adapters take an optional client in their constructor and fall back to these (the Powertools
 * `DynamoDBPersistenceLayer` pattern), so tests and the local runtime can inject their own.
 */

/** Document-client translation shared by every DynamoDB adapter: optional attributes may be undefined. */
export const DOCUMENT_TRANSLATE_CONFIG: TranslateConfig = {
  marshallOptions: { removeUndefinedValues: true },
};

/**
 * S3 client settings read from the environment.
 * - `S3_FORCE_PATH_STYLE=true`: path-style URLs (emulators on 127.0.0.1 have no virtual hosts).
 * - Checksums `WHEN_REQUIRED` unless `AWS_REQUEST_CHECKSUM_CALCULATION` /
 *   `AWS_RESPONSE_CHECKSUM_VALIDATION` say otherwise (the SDK reads those itself when the option is
 *   left undefined). With the SDK default (`WHEN_SUPPORTED`), streamed uploads are sent with
 *   aws-chunked framing plus a trailing CRC32, which s3rver stores verbatim inside the object. On AWS
 *   `WHEN_REQUIRED` only drops the optional integrity checksum of PutObject/UploadPart; operations
 *   that require one (DeleteObjects, ...) still get it.
 */
export function s3ClientConfig(env: NodeJS.ProcessEnv = process.env): S3ClientConfig {
  return {
    forcePathStyle: env.S3_FORCE_PATH_STYLE === 'true',
    requestChecksumCalculation: env.AWS_REQUEST_CHECKSUM_CALCULATION ? undefined : 'WHEN_REQUIRED',
    responseChecksumValidation: env.AWS_RESPONSE_CHECKSUM_VALIDATION ? undefined : 'WHEN_REQUIRED',
  };
}

let defaultS3: S3Client | undefined;
let defaultDynamo: DynamoDBClient | undefined;
let defaultDocument: DynamoDBDocumentClient | undefined;
let defaultSqs: SQSClient | undefined;

export function s3Client(): S3Client {
  defaultS3 ??= new S3Client(s3ClientConfig());
  return defaultS3;
}

export function dynamoDbClient(): DynamoDBClient {
  defaultDynamo ??= new DynamoDBClient({});
  return defaultDynamo;
}

export function dynamoDocumentClient(): DynamoDBDocumentClient {
  defaultDocument ??= documentClientFor(dynamoDbClient());
  return defaultDocument;
}

export function sqsClient(): SQSClient {
  defaultSqs ??= new SQSClient({});
  return defaultSqs;
}

/**
 * The document client an adapter uses: an injected document client as is, an injected low-level client
 * wrapped with the shared settings, or the process-wide default.
 */
export function documentClientOrDefault(
  client?: DynamoDBClient | DynamoDBDocumentClient,
): DynamoDBDocumentClient {
  if (client instanceof DynamoDBDocumentClient) return client;
  return client ? documentClientFor(client) : dynamoDocumentClient();
}

/** Wraps a low-level DynamoDB client with the shared translation settings. */
export function documentClientFor(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, DOCUMENT_TRANSLATE_CONFIG);
}

/**
 * Destroys the default clients so the next call builds new ones from the then-current environment
 * (tests that change endpoint variables; long-lived local processes on shutdown).
 */
export function resetDefaultClients(): void {
  defaultS3?.destroy();
  defaultDocument?.destroy();
  defaultDynamo?.destroy();
  defaultSqs?.destroy();
  defaultS3 = defaultDynamo = defaultDocument = defaultSqs = undefined;
}
