import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { JobOutbox } from '../../core/ports.js';
import { documentClientOrDefault } from './clients.js';
import { OUTBOX_PENDING_INDEX } from './jobs-table-layout.js';

export interface DynamoDbOutboxOptions {
  tableName: string;
  client?: DynamoDBDocumentClient | DynamoDBClient;
}

const JOB_SK = /^JOB#(.+)$/;
const TENANT_PK = /^TENANT#(.+)$/;

/**
 * The job items' outboxes (the `outbox` map the job store writes with each state change). Clearing
 * removes entries by key, so two publishers racing on the same job cannot remove each other's new entries.
 */
export class DynamoDbOutbox implements JobOutbox {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: DynamoDbOutboxOptions) {
    this.client = documentClientOrDefault(options.client);
    this.tableName = options.tableName;
  }

  async clear(tenant: string, jobId: string, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const Key = { pk: `TENANT#${tenant}`, sk: `JOB#${jobId}` };
    const names: Record<string, string> = { '#outbox': 'outbox', '#pk': 'pk' };
    keys.forEach((key, i) => {
      names[`#k${i}`] = key;
    });
    const removeKeys = keys.map((_, i) => `#outbox.#k${i}`).join(', ');
    const allOurs = keys.map((_, i) => `attribute_exists(#outbox.#k${i})`).join(' AND ');
    try {
      // Common case, one write: the outbox holds exactly these entries, so it empties and the job
      // leaves the pending index at once.
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key,
          UpdateExpression: `REMOVE ${removeKeys}, #outboxAt`,
          ConditionExpression: `attribute_exists(#pk) AND size(#outbox) = :count AND ${allOurs}`,
          ExpressionAttributeNames: { ...names, '#outboxAt': OUTBOX_PENDING_INDEX.partitionKey },
          ExpressionAttributeValues: { ':count': keys.length },
        }),
      );
      return;
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
    try {
      // Other entries arrived meanwhile (or some of ours were cleared by another publisher): remove
      // ours only; the job stays in the pending index for the newer ones.
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key,
          UpdateExpression: `REMOVE ${removeKeys}`,
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: names,
          ReturnValues: 'ALL_NEW',
        }),
      );
      const left = (out.Attributes?.outbox ?? {}) as Record<string, unknown>;
      if (Object.keys(left).length > 0) return;
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key,
          UpdateExpression: 'REMOVE #outboxAt',
          ConditionExpression: 'attribute_exists(#pk) AND size(#outbox) = :zero',
          ExpressionAttributeNames: {
            '#outboxAt': OUTBOX_PENDING_INDEX.partitionKey,
            '#outbox': 'outbox',
            '#pk': 'pk',
          },
          ExpressionAttributeValues: { ':zero': 0 },
        }),
      );
    } catch (error) {
      if (isConditionFailed(error)) return;
      throw error;
    }
  }

  async pending(olderThan: string, limit: number): Promise<{ tenant: string; jobId: string }[]> {
    const found: { tenant: string; jobId: string }[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          IndexName: OUTBOX_PENDING_INDEX.indexName,
          FilterExpression: '#outboxAt < :cutoff',
          ExpressionAttributeNames: { '#outboxAt': OUTBOX_PENDING_INDEX.partitionKey },
          ExpressionAttributeValues: { ':cutoff': olderThan },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of out.Items ?? []) {
        const tenant = TENANT_PK.exec(String(item.pk))?.[1];
        const jobId = JOB_SK.exec(String(item.sk))?.[1];
        if (tenant && jobId) found.push({ tenant, jobId });
        if (found.length >= limit) return found;
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return found;
  }
}

const isConditionFailed = (error: unknown) =>
  (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
