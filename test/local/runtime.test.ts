import { createHash } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/runtime.js';
import type { Json } from '../../local/template.js';
import { synthesizeFixtureTemplate } from './fixtures/stack.js';

const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
let stack: LocalStack;
let s3: S3Client;
let sqs: SQSClient;
let doc: DynamoDBDocumentClient;
let bucket: string;
const lines: string[] = [];
const envBefore = process.env.AWS_ENDPOINT_URL_S3;

beforeAll(async () => {
  stack = await startLocalStack({
    template: synthesizeFixtureTemplate(),
    projectRoot: process.cwd(),
    log: (line) => lines.push(line),
    failedMessageVisibilitySeconds: 0,
  });
  s3 = new S3Client({ region: 'us-east-1', endpoint: stack.s3Endpoint, forcePathStyle: true, credentials });
  sqs = new SQSClient({ region: 'us-east-1', endpoint: stack.sqsEndpoint, credentials });
  doc = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: 'us-east-1', endpoint: stack.dynamodbEndpoint, credentials }),
  );
  bucket = stack.bucketName('Uploads');
});

afterAll(async () => {
  s3?.destroy();
  sqs?.destroy();
  doc?.destroy();
  await stack?.stop();
  expect(process.env.AWS_ENDPOINT_URL_S3).toBe(envBefore);
  expect(process.env.TABLE_NAME).toBeUndefined();
});

/** What the ingest fixture recorded for an object key, by receive count. */
async function recorded(key: string) {
  const { Items = [] } = await doc.send(
    new QueryCommand({
      TableName: stack.tableName('Items'),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `event#${key}` },
    }),
  );
  return Items;
}

async function presignedForm(key: string, options: { Expires?: number } = {}) {
  return createPresignedPost(s3, {
    Bucket: bucket,
    Key: key,
    Conditions: [
      ['content-length-range', 1, 1000],
      ['starts-with', '$Content-Type', 'image/'],
    ],
    Expires: options.Expires ?? 60,
  });
}

async function postForm(
  url: string,
  fields: Record<string, string>,
  file: Buffer,
  headers: Record<string, string> = {},
) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob([file]), 'upload.bin');
  const response = await fetch(url, { method: 'POST', body: form, headers });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

async function exists(key: string) {
  return s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
    () => true,
    () => false,
  );
}

describe('local runtime: S3 presigned POST', () => {
  it('accepts an upload within policy and delivers the normalised S3 record through SQS to the handler', async () => {
    const key = 'incoming/t1/my photo.jpg';
    const { url, fields } = await presignedForm(key);
    expect(url.startsWith(stack.s3Endpoint)).toBe(true);
    const body = Buffer.alloc(300, 7);
    const result = await postForm(url, { ...fields, 'Content-Type': 'image/jpeg' }, body);
    expect(result.status).toBe(204);
    await stack.idle();

    const [item] = await recorded(key);
    expect(item?.record).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventName: 'ObjectCreated:Post',
      s3: {
        s3SchemaVersion: '1.0',
        bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
        object: {
          key: 'incoming/t1/my+photo.jpg',
          size: 300,
          eTag: createHash('md5').update(body).digest('hex'),
        },
      },
    });
    expect(item?.record.eventTime).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(item?.record.s3.object.sequencer).toMatch(/^[0-9A-F]+$/);
    expect(item?.sqs).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: stack.outputs.QueueArn,
      awsRegion: 'us-east-1',
      attributes: {
        ApproximateReceiveCount: '1',
        SenderId: expect.any(String),
        SentTimestamp: expect.any(String),
      },
    });
    const stored = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(Buffer.from((await stored.Body?.transformToByteArray()) ?? [])).toEqual(body);
  });

  it('rejects a file over content-length-range with 400 EntityTooLarge and stores nothing', async () => {
    const key = 'incoming/t1/big.jpg';
    const { url, fields } = await presignedForm(key);
    const result = await postForm(url, { ...fields, 'Content-Type': 'image/jpeg' }, Buffer.alloc(5000), {
      origin: 'https://app.example',
    });
    expect(result.status).toBe(400);
    // The bucket's CORS rules apply to the error too, so a browser can read it.
    expect(result.headers.get('access-control-allow-origin')).toBe('*');
    expect(result.text).toContain('<Code>EntityTooLarge</Code>');
    expect(result.text).toContain('<MaxSizeAllowed>1000</MaxSizeAllowed>');
    expect(await exists(key)).toBe(false);
  });

  it('rejects a wrong content type, an expired policy and a tampered signature with 403', async () => {
    const key = 'incoming/t1/denied.jpg';
    const { url, fields } = await presignedForm(key);
    const wrongType = await postForm(url, { ...fields, 'Content-Type': 'text/html' }, Buffer.alloc(10));
    expect(wrongType.status).toBe(403);
    expect(wrongType.text).toContain('Invalid according to Policy: Policy Condition failed');

    const expired = await presignedForm(key, { Expires: -5 });
    const late = await postForm(
      expired.url,
      { ...expired.fields, 'Content-Type': 'image/jpeg' },
      Buffer.alloc(10),
    );
    expect(late.status).toBe(403);
    expect(late.text).toContain('Policy expired');

    // Flip one bit of the last hex digit: the result always differs from the original (writing a fixed
    // value over it was a no-op whenever the signature already ended in it).
    const signature = fields['X-Amz-Signature'] as string;
    const last = Number.parseInt(signature.slice(-1), 16);
    const tamperedSignature = `${signature.slice(0, -1)}${(last ^ 1).toString(16)}`;
    expect(tamperedSignature).not.toBe(signature);
    const tampered = { ...fields, 'X-Amz-Signature': tamperedSignature, 'Content-Type': 'image/jpeg' };
    const forged = await postForm(url, tampered, Buffer.alloc(10));
    expect(forged.status).toBe(403);
    expect(forged.text).toContain('SignatureDoesNotMatch');

    const otherKey = await postForm(
      url,
      { ...fields, key: 'incoming/t2/x.jpg', 'Content-Type': 'image/jpeg' },
      Buffer.alloc(10),
    );
    expect(otherKey.status).toBe(403);
    expect(await exists(key)).toBe(false);
    expect(await exists('incoming/t2/x.jpg')).toBe(false);
  });
});

describe('local runtime: notifications and event source mappings', () => {
  it('only notifies for keys under the configured prefix', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'elsewhere/a.txt', Body: 'x' }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'incoming/put.txt', Body: 'x' }));
    await stack.idle();
    expect(await recorded('elsewhere/a.txt')).toEqual([]);
    expect((await recorded('incoming/put.txt'))[0]?.record.eventName).toBe('ObjectCreated:Put');
  });

  it('reports a completed multipart upload as ObjectCreated:CompleteMultipartUpload', async () => {
    const Key = 'incoming/multi part.bin';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key }));
    const { ETag } = await s3.send(
      new UploadPartCommand({ Bucket: bucket, Key, UploadId, PartNumber: 1, Body: Buffer.alloc(1024, 1) }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key,
        UploadId,
        MultipartUpload: { Parts: [{ ETag, PartNumber: 1 }] },
      }),
    );
    await stack.idle();
    const [item] = await recorded(Key);
    expect(item?.record).toMatchObject({
      eventName: 'ObjectCreated:CompleteMultipartUpload',
      s3: { object: { key: 'incoming/multi+part.bin', size: 1024 } },
    });
  });

  it('redelivers a batch item failure and moves the message to the DLQ after maxReceiveCount', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'incoming/poison.txt', Body: 'x' }));
    await stack.idle();
    const attempts = await recorded('incoming/poison.txt');
    expect(attempts.map((a) => a.sk)).toEqual(['1', '2']);
    const source = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: stack.queueUrl('IngestQueue'), AttributeNames: ['All'] }),
    );
    expect(source.Attributes?.ApproximateNumberOfMessages).toBe('0');
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: stack.queueUrl('IngestDlq'), MaxNumberOfMessages: 10 }),
    );
    expect(Messages).toHaveLength(1);
    expect(JSON.parse(Messages[0]?.Body ?? '{}').Records[0].s3.object.key).toBe('incoming/poison.txt');
  });
});

describe('local runtime: HTTP API', () => {
  it('routes to the function, which writes to the table through default SDK clients', async () => {
    const created = await fetch(`${stack.apiUrl}/items`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'a1', label: 'first' }),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/items/a1');
    expect(created.headers.get('set-cookie')).toBe('seen=1; Path=/');
    const { Item } = await doc.send(
      new GetCommand({ TableName: stack.tableName('Items'), Key: { pk: 'item#a1', sk: 'item' } }),
    );
    expect(Item).toMatchObject({ label: 'first', kind: 'item' });

    const fetched = await fetch(`${stack.apiUrl}/items/a1`);
    expect(await fetched.json()).toMatchObject({ id: 'a1', label: 'first' });
    expect((await fetch(`${stack.apiUrl}/items/zz`)).status).toBe(404);
  });

  it('passes decoded path parameters, the 2.0 event and a Lambda context; env is resolved from the template', async () => {
    const response = await fetch(`${stack.apiUrl}/items/a%20b?echo=1&x=1&x=2`, {
      headers: { cookie: 'c=1; d=2' },
    });
    const { event, context, env } = (await response.json()) as Record<string, Json>;
    expect(event).toMatchObject({
      routeKey: 'GET /items/{id}',
      rawPath: '/items/a%20b',
      pathParameters: { id: 'a b' },
      queryStringParameters: { echo: '1', x: '1,2' },
      cookies: ['c=1', 'd=2'],
      requestContext: { stage: '$default', http: { method: 'GET', path: '/items/a%20b' } },
    });
    expect(context).toMatchObject({ memoryLimitInMB: '256', functionName: expect.stringMatching(/^ApiFn/) });
    expect(context.invokedFunctionArn).toBe(
      `arn:aws:lambda:us-east-1:000000000000:function:${context.functionName}`,
    );
    expect(context.remaining).toBeGreaterThan(4000);
    expect(env).toEqual({ BUCKET_NAME: bucket, QUEUE_URL: stack.queueUrl('IngestQueue') });
  });

  it('answers unmatched routes with 404, handler errors with 500, and binary bodies base64-encoded', async () => {
    const missing = await fetch(`${stack.apiUrl}/nope`);
    expect([missing.status, await missing.json()]).toEqual([404, { message: 'Not Found' }]);
    const failing = await fetch(`${stack.apiUrl}/items/boom`);
    expect([failing.status, await failing.json()]).toEqual([500, { message: 'Internal Server Error' }]);
    const binary = await fetch(`${stack.apiUrl}/files/a/b.bin?q=1`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.from([0, 1, 255]),
    });
    expect(await binary.json()).toEqual({
      proxy: 'a/b.bin',
      method: 'PUT',
      query: { q: '1' },
      isBase64Encoded: true,
      body: 'AAH/',
    });
  });

  it('answers CORS preflights from the API CorsConfiguration', async () => {
    const preflight = await fetch(`${stack.apiUrl}/items`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    const foreign = await fetch(`${stack.apiUrl}/items`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('resolves the template outputs to local values', () => {
    expect(stack.outputs).toEqual({
      BucketName: bucket,
      ApiUrl: stack.apiUrl,
      QueueArn: `arn:aws:sqs:us-east-1:000000000000:${stack.queueUrl('IngestQueue').split('/').pop()}`,
    });
  });
});
