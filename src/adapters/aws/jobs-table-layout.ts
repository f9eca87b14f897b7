/**
 * The jobs table's key layout, shared by the DynamoDB adapters and the CDK table definition (no SDK
 * imports here, so lib/ can use it at synthesis).
 */
export const JOBS_TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;

/**
 * Sparse index of the tenant's queued and processing jobs (what admission counts): `activeTenant` is set
 * while a job is QUEUED or PROCESSING and removed otherwise, so counting reads only those (keys only).
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

/**
 * Item keys. Everything a tenant owns shares its partition (`TENANT#{tenant}`), told apart by the sort
 * key's prefix; API keys and the hash index's postings have partitions of their own. docs/architecture.md
 * lists every item type with its access patterns.
 */
export const SK_PREFIX = {
  job: 'JOB#',
  batch: 'BATCH#',
  idempotency: 'IDEM#',
  preset: 'PRESET#',
  webhook: 'WEBHOOK#',
  delivery: 'DELIVERY#',
  hashedAsset: 'HASH#',
  deadLetter: 'DEADLETTER#',
} as const;

export const tenantPk = (tenant: string) => `TENANT#${tenant}`;

export const itemKey = {
  job: (tenant: string, jobId: string) => ({ pk: tenantPk(tenant), sk: `${SK_PREFIX.job}${jobId}` }),
  batch: (tenant: string, batchId: string) => ({ pk: tenantPk(tenant), sk: `${SK_PREFIX.batch}${batchId}` }),
  idempotency: (tenant: string, key: string) => ({
    pk: tenantPk(tenant),
    sk: `${SK_PREFIX.idempotency}${key}`,
  }),
  preset: (tenant: string, name: string) => ({ pk: tenantPk(tenant), sk: `${SK_PREFIX.preset}${name}` }),
  webhook: (tenant: string, endpointId: string) => ({
    pk: tenantPk(tenant),
    sk: `${SK_PREFIX.webhook}${endpointId}`,
  }),
  delivery: (tenant: string, endpointId: string, eventId: string) => ({
    pk: tenantPk(tenant),
    sk: `${SK_PREFIX.delivery}${endpointId}#${eventId}`,
  }),
  deadLetter: (tenant: string, jobId: string) => ({
    pk: tenantPk(tenant),
    sk: `${SK_PREFIX.deadLetter}${jobId}`,
  }),
  apiKey: (keyHash: string) => ({ pk: `APIKEY#${keyHash}`, sk: 'APIKEY' }),
  /** A tenant's rate-limit state per route class: each a partition of its own, off the tenant's partition. */
  rateLimit: (tenant: string, routeClass: string) => ({ pk: `RATE#${tenant}#${routeClass}`, sk: 'RATE' }),
} as const;

/** The hash index: an asset's hashes under its tenant, and postings in partitions of their own. */
export const hashIndexKey = {
  asset: (tenant: string, assetId: string) => ({
    pk: tenantPk(tenant),
    sk: `${SK_PREFIX.hashedAsset}${assetId}`,
  }),
  pdqPostings: (tenant: string, chunk: number, chunkHex: string) =>
    `${tenantPk(tenant)}#PDQ#${chunk}#${chunkHex}`,
  sha256Postings: (tenant: string, sha256: string) => `${tenantPk(tenant)}#SHA256#${sha256}`,
} as const;

/** The tenant of a tenant partition key, the id of a job sort key (undefined when it is not one). */
export const tenantOfPk = (pk: string) => /^TENANT#([^#]+)$/.exec(pk)?.[1];
export const jobIdOfSk = (sk: string) =>
  sk.startsWith(SK_PREFIX.job) ? sk.slice(SK_PREFIX.job.length) : undefined;
