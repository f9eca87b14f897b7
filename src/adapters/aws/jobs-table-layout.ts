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
