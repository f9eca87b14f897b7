import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Batch, BatchStatus } from '../../batches/batch.js';
import type { BatchStore } from '../../batches/ports.js';
import type { Job } from '../../core/job.js';
import { ConditionFailedError, type ListPage } from '../../core/ports.js';
import { batchReconcileAt, reconcileShard } from '../../reconciler/schedule.js';
import { documentClientOrDefault } from './clients.js';
import { itemToJob, jobItem } from './dynamodb-job-store.js';
import { decodeCursor, encodeCursor, newestFirstPage } from './dynamodb-list-cursor.js';
import {
  BATCH_JOBS_INDEX,
  batchIndexKey,
  itemKey,
  PENDING_BATCH_JOBS_INDEX,
  RECONCILE_INDEX,
  SK_PREFIX,
  tenantPk,
} from './jobs-table-layout.js';
import { addReconcileClause } from './reconcile-attributes.js';

/**
 * Batches in the jobs table: the batch item `pk TENANT#{tenant}, sk BATCH#{batchId}`, and its jobs as
 * ordinary job items carrying `batchKey` (index JobsByBatch) and, while PENDING, `pendingBatch`
 * (index PendingByBatch). Counts and reports are read from the jobs, never stored.
 */
export interface DynamoDbBatchStoreOptions {
  tableName: string;
  client?: DynamoDBDocumentClient | DynamoDBClient;
  /** BatchWriteItem requests in flight while writing a batch's jobs. */
  writeConcurrency?: number;
}

const PROTECTED = new Set(['pk', 'sk', 'tenant', 'batchId', 'status', 'reconcileShard', 'reconcileAt']);

export const batchKey = itemKey.batch;

/** The batch id of a batch item's sort key, or undefined for any other item. */
export function batchIdOfSk(sk: string): string | undefined {
  return sk.startsWith(SK_PREFIX.batch) ? sk.slice(SK_PREFIX.batch.length) : undefined;
}

/** A stored batch item as the domain sees it (keys and the reconcile index's bookkeeping left out). */
export function itemToBatch(item: Record<string, unknown>): Batch {
  const { pk: _pk, sk: _sk, reconcileShard: _shard, reconcileAt: _at, reconcileRuns: _runs, ...batch } = item;
  return batch as unknown as Batch;
}

export class DynamoDbBatchStore implements BatchStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly writeConcurrency: number;

  constructor(options: DynamoDbBatchStoreOptions) {
    this.client = documentClientOrDefault(options.client);
    this.tableName = options.tableName;
    this.writeConcurrency = options.writeConcurrency ?? 8;
  }

  async listBatches(
    tenant: string,
    options: { limit: number; cursor?: string },
  ): Promise<{ batches: Batch[]; cursor?: string }> {
    // Batch ids are ULIDs: newest first.
    const page = await newestFirstPage(this.client, {
      tableName: this.tableName,
      pk: tenantPk(tenant),
      prefix: SK_PREFIX.batch,
      ...options,
    });
    return { batches: page.items.map(itemToBatch), cursor: page.cursor };
  }

  async createBatch(batch: Batch): Promise<{ batch: Batch; created: boolean }> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...batch, ...batchKey(batch.tenant, batch.batchId), ...batchReconcileItem(batch) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { batch, created: true };
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      const existing = await this.getBatch(batch.tenant, batch.batchId);
      if (!existing) throw new Error(`batch ${batch.batchId} vanished after a create conflict`);
      return { batch: existing, created: false };
    }
  }

  /** BatchWriteItem in chunks of 25, retrying unprocessed items with backoff. */
  async putJobs(jobs: readonly Job[]): Promise<void> {
    const chunks: Record<string, unknown>[][] = [];
    for (let i = 0; i < jobs.length; i += 25) chunks.push(jobs.slice(i, i + 25).map(jobItem));
    let next = 0;
    const worker = async () => {
      while (next < chunks.length) {
        const chunk = chunks[next++];
        if (!chunk) return;
        let requests = chunk.map((Item) => ({ PutRequest: { Item } }));
        for (let round = 0; requests.length > 0; round++) {
          if (round > 8) throw new Error('BatchWriteItem kept returning unprocessed items');
          if (round > 0) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** round));
          const out = await this.client.send(
            new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }),
          );
          requests = (out.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.writeConcurrency, chunks.length) }, worker));
  }

  async getBatch(tenant: string, batchId: string): Promise<Batch | undefined> {
    const out = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: itemKey.batch(tenant, batchId),
        ConsistentRead: true,
      }),
    );
    return out.Item ? itemToBatch(out.Item) : undefined;
  }

  async setStatus(
    tenant: string,
    batchId: string,
    to: BatchStatus,
    from: readonly BatchStatus[],
    set: Partial<Batch> = {},
  ): Promise<Batch> {
    const names: Record<string, string> = { '#status': 'status', '#updatedAt': 'updatedAt' };
    const values: Record<string, unknown> = { ':to': to, ':updatedAt': new Date().toISOString() };
    const sets = ['#status = :to', '#updatedAt = :updatedAt'];
    Object.entries(set).forEach(([attribute, value], i) => {
      if (PROTECTED.has(attribute) || value === undefined) throw new TypeError(`may not set ${attribute}`);
      names[`#s${i}`] = attribute;
      values[`:s${i}`] = value;
      sets.push(`#s${i} = :s${i}`);
    });
    from.forEach((status, i) => {
      values[`:from${i}`] = status;
    });
    // Until it has ended, the reconciler checks the batch's execution on its cadence; a status write restarts it.
    const removes: string[] = [];
    const at = batchReconcileAt({ status: to, now: Date.now(), reported: set.report !== undefined });
    addReconcileClause(names, values, sets, removes, batchId, at);
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: itemKey.batch(tenant, batchId),
          UpdateExpression: `SET ${sets.join(', ')} REMOVE ${removes.join(', ')}`,
          ConditionExpression: `#status IN (${from.map((_, i) => `:from${i}`).join(', ')})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return itemToBatch(out.Attributes ?? {});
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      const current = await this.getBatch(tenant, batchId);
      throw new ConditionFailedError(
        current
          ? `batch ${batchId} is ${current.status}; ${to} requires ${from.join('|')}`
          : `batch ${batchId} does not exist`,
      );
    }
  }

  async listJobs(
    tenant: string,
    batchId: string,
    options: { limit: number; cursor?: string },
  ): Promise<ListPage> {
    const key = batchIndexKey(tenant, batchId);
    const start = options.cursor ? decodeCursor(options.cursor, key, SK_PREFIX.job) : undefined;
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: BATCH_JOBS_INDEX.indexName,
        KeyConditionExpression: '#batch = :batch',
        ExpressionAttributeNames: { '#batch': BATCH_JOBS_INDEX.partitionKey },
        ExpressionAttributeValues: { ':batch': key },
        Limit: options.limit,
        // An index cursor needs the table key too; the batch key stands in for pk in the opaque cursor.
        ExclusiveStartKey: start
          ? { [BATCH_JOBS_INDEX.partitionKey]: key, sk: start.sk, pk: tenantPk(tenant) }
          : undefined,
      }),
    );
    const jobs = (out.Items ?? []).map(itemToJob);
    const last = out.LastEvaluatedKey;
    return { jobs, cursor: last ? encodeCursor({ pk: key, sk: String(last.sk) }) : undefined };
  }

  /** Status and end time of every job (a projection: what counts and the ETA need, not whole items). */
  async *jobStatuses(tenant: string, batchId: string): AsyncGenerator<Pick<Job, 'status' | 'completedAt'>> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: BATCH_JOBS_INDEX.indexName,
          KeyConditionExpression: '#batch = :batch',
          ProjectionExpression: '#status, #completedAt',
          ExpressionAttributeNames: {
            '#batch': BATCH_JOBS_INDEX.partitionKey,
            '#status': 'status',
            '#completedAt': 'completedAt',
          },
          ExpressionAttributeValues: { ':batch': batchIndexKey(tenant, batchId) },
          ExclusiveStartKey: startKey,
        }),
      );
      yield* (out.Items ?? []) as Pick<Job, 'status' | 'completedAt'>[];
      startKey = out.LastEvaluatedKey;
    } while (startKey);
  }

  async *allJobs(tenant: string, batchId: string): AsyncGenerator<Job> {
    let cursor: string | undefined;
    do {
      const page = await this.listJobs(tenant, batchId, { limit: 500, cursor });
      yield* page.jobs;
      cursor = page.cursor;
    } while (cursor);
  }

  async pendingJobIds(
    tenant: string,
    batchId: string,
    options: { limit: number; afterJobId?: string },
  ): Promise<{ jobIds: string[]; more: boolean }> {
    const key = batchIndexKey(tenant, batchId);
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: PENDING_BATCH_JOBS_INDEX.indexName,
        KeyConditionExpression: options.afterJobId
          ? '#pending = :batch AND sk > :after'
          : '#pending = :batch',
        ExpressionAttributeNames: { '#pending': PENDING_BATCH_JOBS_INDEX.partitionKey },
        ExpressionAttributeValues: {
          ':batch': key,
          ...(options.afterJobId ? { ':after': itemKey.job(tenant, options.afterJobId).sk } : {}),
        },
        Limit: options.limit,
      }),
    );
    const jobIds = (out.Items ?? []).map((item) => String(item.sk).slice(SK_PREFIX.job.length));
    return { jobIds, more: out.LastEvaluatedKey !== undefined };
  }
}

function batchReconcileItem(batch: Batch): Record<string, unknown> {
  const at = batchReconcileAt({
    status: batch.status,
    now: Date.parse(batch.updatedAt),
    reported: batch.report !== undefined,
  });
  if (at === null) return {};
  return { [RECONCILE_INDEX.partitionKey]: reconcileShard(batch.batchId), [RECONCILE_INDEX.sortKey]: at };
}
