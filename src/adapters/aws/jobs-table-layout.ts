/**
 * The jobs table's key layout, shared by the DynamoDB adapters and the CDK table definition (no SDK
 * imports here, so lib/ can use it at synthesis).
 */
export const JOBS_TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;

/**
 * Sparse index of the tenant's unfinished jobs: `activeTenant` is set while a job is not terminal and
 * removed when it ends, so counting a tenant's active jobs reads only those (keys only).
 */
export const ACTIVE_JOBS_INDEX = {
  name: 'ActiveByTenant',
  partitionKey: 'activeTenant',
  sortKey: 'sk',
} as const;

/**
 * Sparse index of jobs with unpublished events (the outbox): `outboxAt` is set, with the time of the
 * oldest pending event, when a state change records an event, and removed once every pending event is
 * published. The outbox sweeper scans only these items (keys only).
 */
export const OUTBOX_PENDING_INDEX = {
  indexName: 'OutboxPending',
  partitionKey: 'outboxAt',
} as const;

/**
 * The jobs of a batch, in submission order: `batchKey` ({tenant}#{batchId}) is set on every job created
 * in a batch. All attributes are projected: the batch's counts, pages and report read only this index.
 */
export const BATCH_JOBS_INDEX = {
  indexName: 'JobsByBatch',
  partitionKey: 'batchKey',
  sortKey: 'sk',
} as const;

/**
 * Sparse index of a batch's jobs still PENDING (keys only): `pendingBatch` is set when the job is
 * created in its batch and removed by its first transition, so a slot looking for the next job to
 * start reads only the ones that can still start.
 */
export const PENDING_BATCH_JOBS_INDEX = {
  indexName: 'PendingByBatch',
  partitionKey: 'pendingBatch',
  sortKey: 'sk',
} as const;

export const batchIndexKey = (tenant: string, batchId: string) => `${tenant}#${batchId}`;

/**
 * Sparse index of unfinished jobs by when the reconciler should look at them (keys only):
 * `reconcileShard` (one of RECONCILE_SHARDS, from the job id) and `reconcileAt` (epoch ms) are set by
 * every write that leaves a job unfinished and removed by the terminal one (see src/reconciler/schedule.ts), so
 * a reconciler pass queries `reconcileAt <= now` per shard and an idle table answers with nothing.
 */
export const RECONCILE_INDEX = {
  indexName: 'ReconcileDue',
  partitionKey: 'reconcileShard',
  sortKey: 'reconcileAt',
} as const;
