import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, NotFound } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { HealthProbe } from '../../core/health.js';
import { dynamoDbClient, s3Client, sqsClient } from './clients.js';
import { JOBS_TABLE_KEYS } from './jobs-table-layout.js';

/**
 * Probes that need no permission beyond what the api function already has: a GetItem of a key that never
 * exists, a HeadObject of one (404 is an answer), and the attributes of a queue it sends to.
 */
export function jobsTableProbe(tableName: string, client = dynamoDbClient()): HealthProbe {
  return {
    name: 'dynamodb:jobs-table',
    async check(abortSignal) {
      await client.send(
        new GetItemCommand({
          TableName: tableName,
          Key: {
            [JOBS_TABLE_KEYS.partitionKey]: { S: 'HEALTH' },
            [JOBS_TABLE_KEYS.sortKey]: { S: 'HEALTH' },
          },
          ProjectionExpression: JOBS_TABLE_KEYS.partitionKey,
        }),
        { abortSignal },
      );
    },
  };
}

/** `key` names no object, inside a prefix the function may read (so a missing key is 404, not 403). */
export function bucketProbe(name: string, bucket: string, key: string, client = s3Client()): HealthProbe {
  return {
    name: `s3:${name}`,
    async check(abortSignal) {
      try {
        await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal });
      } catch (error) {
        if (!(error instanceof NotFound)) throw error;
      }
    },
  };
}

export function queueProbe(name: string, queueUrl: string, client = sqsClient()): HealthProbe {
  return {
    name: `sqs:${name}`,
    async check(abortSignal) {
      await client.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
        { abortSignal },
      );
    },
  };
}
