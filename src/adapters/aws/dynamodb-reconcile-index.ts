import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  type DueBatchRead,
  type DueDeliveryRead,
  type DueEntry,
  type DueRead,
  RECONCILE_SHARDS,
  type ReconcileIndex,
} from '../../reconciler/schedule.js';
import { documentClientOrDefault } from './clients.js';
import { batchIdOfSk, batchKey, itemToBatch } from './dynamodb-batch-store.js';
import { toDelivery } from './dynamodb-delivery-item.js';
import { deliveryIdOfSk, deliveryKey } from './dynamodb-delivery-store.js';
import { itemToJob } from './dynamodb-job-store.js';
import { itemKey, jobIdOfSk, RECONCILE_INDEX, tenantOfPk } from './jobs-table-layout.js';

/** Job ids are ULIDs: anything else in the index is not a job item. */
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/**
 * The reconciler's view of the jobs table: the `ReconcileDue` sparse index (keys only), a consistent read
 * of one due job, and a conditional postpone. Counts its requests and read units for the cost figures.
 */
export class DynamoDbReconcileIndex implements ReconcileIndex {
  private readonly client: DynamoDBDocumentClient;
  readonly shards = Array.from({ length: RECONCILE_SHARDS }, (_, i) => String(i));
  /** Requests sent and read capacity consumed since construction. */
  readonly usage = { queries: 0, reads: 0, writes: 0, readUnits: 0 };

  constructor(
    private readonly options: { tableName: string; client?: DynamoDBDocumentClient | DynamoDBClient },
  ) {
    this.client = documentClientOrDefault(options.client);
  }

  async due(shard: string, now: number, limit: number): Promise<DueEntry[]> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.options.tableName,
        IndexName: RECONCILE_INDEX.indexName,
        KeyConditionExpression: '#shard = :shard AND #at <= :now',
        ExpressionAttributeNames: { '#shard': RECONCILE_INDEX.partitionKey, '#at': RECONCILE_INDEX.sortKey },
        ExpressionAttributeValues: { ':shard': shard, ':now': now },
        Limit: limit,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    this.usage.queries++;
    this.usage.readUnits += out.ConsumedCapacity?.CapacityUnits ?? 0;
    const entries: DueEntry[] = [];
    for (const item of out.Items ?? []) {
      const tenant = tenantOfPk(String(item.pk));
      if (!tenant) continue;
      const reconcileAt = Number(item[RECONCILE_INDEX.sortKey]);
      const jobId = jobIdOfSk(String(item.sk));
      if (jobId && ULID.test(jobId)) entries.push({ kind: 'job', tenant, jobId, reconcileAt });
      const deliveryId = deliveryIdOfSk(String(item.sk));
      if (deliveryId) entries.push({ kind: 'delivery', tenant, deliveryId, reconcileAt });
      const batchId = batchIdOfSk(String(item.sk));
      if (batchId) entries.push({ kind: 'batch', tenant, batchId, reconcileAt });
    }
    return entries;
  }

  async read(tenant: string, jobId: string): Promise<DueRead | undefined> {
    const item = await this.readItem(itemKey.job(tenant, jobId));
    if (!item) return undefined;
    const at = item[RECONCILE_INDEX.sortKey];
    return {
      job: itemToJob(item),
      reconcileAt: typeof at === 'number' ? at : undefined,
      runs: Number(item.reconcileRuns ?? 0),
    };
  }

  async postpone(tenant: string, jobId: string, seen: number, next: number): Promise<boolean> {
    return this.postponeItem(itemKey.job(tenant, jobId), seen, next);
  }

  async readDelivery(tenant: string, deliveryId: string): Promise<DueDeliveryRead | undefined> {
    const item = await this.readItem(deliveryKey(tenant, deliveryId));
    if (!item) return undefined;
    const at = item[RECONCILE_INDEX.sortKey];
    return {
      delivery: toDelivery(item),
      reconcileAt: typeof at === 'number' ? at : undefined,
      runs: Number(item.reconcileRuns ?? 0),
    };
  }

  async postponeDelivery(tenant: string, deliveryId: string, seen: number, next: number): Promise<boolean> {
    return this.postponeItem(deliveryKey(tenant, deliveryId), seen, next);
  }

  async readBatch(tenant: string, batchId: string): Promise<DueBatchRead | undefined> {
    const item = await this.readItem(batchKey(tenant, batchId));
    if (!item) return undefined;
    const at = item[RECONCILE_INDEX.sortKey];
    return {
      batch: itemToBatch(item),
      reconcileAt: typeof at === 'number' ? at : undefined,
      runs: Number(item.reconcileRuns ?? 0),
    };
  }

  async postponeBatch(tenant: string, batchId: string, seen: number, next: number): Promise<boolean> {
    return this.postponeItem(batchKey(tenant, batchId), seen, next);
  }

  private async readItem(Key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
    const out = await this.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key,
        ConsistentRead: true,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    this.usage.reads++;
    this.usage.readUnits += out.ConsumedCapacity?.CapacityUnits ?? 0;
    return out.Item;
  }

  private async postponeItem(Key: { pk: string; sk: string }, seen: number, next: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key,
          UpdateExpression: 'SET #at = :next ADD #runs :one',
          // A state write since the read set its own time: it wins.
          ConditionExpression: '#at = :seen',
          ExpressionAttributeNames: { '#at': RECONCILE_INDEX.sortKey, '#runs': 'reconcileRuns' },
          ExpressionAttributeValues: { ':next': next, ':seen': seen, ':one': 1 },
        }),
      );
      this.usage.writes++;
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}
