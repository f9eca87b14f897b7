import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { REGION } from './template.js';

/** The credentials s3rver accepts; the other emulators accept anything. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** SDK clients the runtime itself uses, pinned to explicit endpoints (never the process-wide env). */
export interface RuntimeClients {
  s3: S3Client;
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  destroy(): void;
}

export function runtimeClients(endpoints: { s3: string; dynamodb: string; sqs: string }): RuntimeClients {
  const common = { region: REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 2 } as const;
  const s3 = new S3Client({
    ...common,
    endpoint: endpoints.s3,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const dynamodb = new DynamoDBClient({ ...common, endpoint: endpoints.dynamodb });
  const sqs = new SQSClient({ ...common, endpoint: endpoints.sqs });
  return {
    s3,
    dynamodb,
    sqs,
    destroy() {
      s3.destroy();
      dynamodb.destroy();
      sqs.destroy();
    },
  };
}
