import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { JobOutbox } from '../../core/ports.js';
import { documentClientOrDefault } from './clients.js';
import { itemKey, jobIdOfSk, OUTBOX_PENDING_INDEX, tenantOfPk } from './jobs-table-layout.js';

export interface DynamoDbOutboxOptions {
  tableName: string;
  client?: DynamoDBDocumentClient | DynamoDBClient;
}

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
    const Key = itemKey.job(tenant, jobId);
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
          UpdateExpression: `REMOVE ${removeKeys}, #outboxAt, #failures, #parkedAt`,
          ConditionExpression: `attribute_exists(#pk) AND size(#outbox) = :count AND ${allOurs}`,
          ExpressionAttributeNames: {
            ...names,
            '#outboxAt': OUTBOX_PENDING_INDEX.partitionKey,
            '#failures': 'outboxFailures',
            '#parkedAt': 'outboxParkedAt',
          },
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
          UpdateExpression: 'REMOVE #outboxAt, #failures, #parkedAt',
          ConditionExpression: 'attribute_exists(#pk) AND size(#outbox) = :zero',
          ExpressionAttributeNames: {
            '#outboxAt': OUTBOX_PENDING_INDEX.partitionKey,
            '#failures': 'outboxFailures',
            '#parkedAt': 'outboxParkedAt',
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

  /**
   * Scans the pending index from where the previous call stopped (a checkpoint item holds the scan's
   * position), at most MAX_PAGES pages per call, so a large index is covered over several sweeps instead
   * of re-read from the top each time. Reads no more items than `limit` needs, so the position is exact.
   */
  async pending(olderThan: string, limit: number): Promise<{ tenant: string; jobId: string }[]> {
    const found: { tenant: string; jobId: string }[] = [];
    const seen = new Set<string>();
    let startKey = await this.checkpoint();
    // Started mid-index: on reaching the end, go on once from the top (the entries before the position).
    let wrap = startKey !== undefined;
    for (let page = 0; page < MAX_PAGES && found.length < limit; page++) {
      const out = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          IndexName: OUTBOX_PENDING_INDEX.indexName,
          FilterExpression: '#outboxAt < :cutoff',
          ExpressionAttributeNames: { '#outboxAt': OUTBOX_PENDING_INDEX.partitionKey },
          ExpressionAttributeValues: { ':cutoff': olderThan },
          ExclusiveStartKey: startKey,
          Limit: Math.min(PAGE_ITEMS, limit - found.length),
        }),
      );
      let lapped = false;
      for (const item of out.Items ?? []) {
        const tenant = tenantOfPk(String(item.pk));
        const jobId = jobIdOfSk(String(item.sk));
        if (!tenant || !jobId) continue;
        // After wrapping, the scan reaches the entries it began with: the whole index is covered, and an
        // entry returned twice would be flushed twice in one sweep (a failing one retried at once).
        if (seen.has(`${tenant}/${jobId}`)) {
          lapped = true;
          break;
        }
        seen.add(`${tenant}/${jobId}`);
        found.push({ tenant, jobId });
      }
      if (lapped) break;
      startKey = out.LastEvaluatedKey;
      if (!startKey) {
        if (!wrap) break;
        wrap = false;
      }
    }
    await this.saveCheckpoint(startKey);
    return found;
  }

  async deferFailed(
    tenant: string,
    jobId: string,
    retryAt: string,
    maxFailures: number,
  ): Promise<{ failures: number; parked: boolean }> {
    const Key = itemKey.job(tenant, jobId);
    const names = { '#outboxAt': OUTBOX_PENDING_INDEX.partitionKey, '#failures': 'outboxFailures' };
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key,
          UpdateExpression: 'SET #outboxAt = :retryAt ADD #failures :one',
          // Only while it is pending: an outbox emptied meanwhile stays out of the index.
          ConditionExpression: 'attribute_exists(#outboxAt)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':retryAt': retryAt, ':one': 1 },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const failures = Number(out.Attributes?.outboxFailures ?? 0);
      if (failures < maxFailures) return { failures, parked: false };
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key,
          UpdateExpression: 'SET #parkedAt = :now REMOVE #outboxAt',
          ConditionExpression: '#failures >= :max',
          ExpressionAttributeNames: { ...names, '#parkedAt': 'outboxParkedAt' },
          ExpressionAttributeValues: { ':now': new Date().toISOString(), ':max': maxFailures },
        }),
      );
      return { failures, parked: true };
    } catch (error) {
      if (isConditionFailed(error)) return { failures: 0, parked: false };
      throw error;
    }
  }

  private async checkpoint(): Promise<Record<string, unknown> | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: CHECKPOINT_KEY, ConsistentRead: true }),
    );
    return out.Item?.position as Record<string, unknown> | undefined;
  }

  private async saveCheckpoint(position: Record<string, unknown> | undefined): Promise<void> {
    if (!position) {
      await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: CHECKPOINT_KEY }));
      return;
    }
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: { ...CHECKPOINT_KEY, position } }),
    );
  }
}

/** Pages one sweep scans at most, and items per page. */
const MAX_PAGES = 10;
const PAGE_ITEMS = 1000;
/** Where the sweeper's scan stopped (not a job: no tenant prefix, so no tenant query ever finds it). */
const CHECKPOINT_KEY = { pk: 'SWEEPER#outbox', sk: 'POSITION' };

const isConditionFailed = (error: unknown) =>
  (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
