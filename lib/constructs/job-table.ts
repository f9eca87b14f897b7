import type { CfnResource } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import {
  ACTIVE_JOBS_INDEX,
  BATCH_JOBS_INDEX,
  JOBS_TABLE_KEYS,
  OUTBOX_PENDING_INDEX,
  PENDING_BATCH_JOBS_INDEX,
  RECONCILE_INDEX,
} from '../../src/adapters/aws/jobs-table-layout.js';
import type { StageConfig } from '../config.js';

export interface JobTableProps {
  config: StageConfig;
}

/**
 * One table for the job state and its satellites (single-table design):
 *   jobs              pk TENANT#{tenant}   sk JOB#{ulid}
 *   idempotency keys  records keyed under the tenant (the job store owns their exact layout)
 *   API keys          pk APIKEY#{sha256 of the key}
 * Sparse GSIs:
 *   `ActiveByTenant` (activeTenant, sk): a tenant's unfinished jobs, for its admission limit;
 *   `OutboxPending` (outboxAt): jobs with unpublished events, for the outbox sweeper;
 *   `JobsByBatch` (batchKey, sk), all attributes: a batch's jobs in order, for its counts, pages, report;
 *   `PendingByBatch` (pendingBatch, sk), keys only: a batch's jobs that have not started;
 *   `ReconcileDue` (reconcileShard, reconcileAt), keys only: unfinished jobs by when the reconciler
 *   should look at them (a lost message, a dead worker, a lost S3 event).
 * Batches themselves are items `pk TENANT#{tenant}, sk BATCH#{batchId}`.
 * Every other read is by tenant (newest first through the ULID sort key) or by exact key.
 * No TTL attribute either: the design never relies on TTL deletion (the local emulator lacks it).
 */
export class JobTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: JobTableProps) {
    super(scope, id);
    const { config } = props;
    this.table = new Table(this, 'Table', {
      partitionKey: { name: JOBS_TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: JOBS_TABLE_KEYS.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      deletionProtection: config.tableDeletionProtection,
      removalPolicy: config.removalPolicy,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: ACTIVE_JOBS_INDEX.name,
      partitionKey: { name: ACTIVE_JOBS_INDEX.partitionKey, type: AttributeType.STRING },
      sortKey: { name: ACTIVE_JOBS_INDEX.sortKey, type: AttributeType.STRING },
      projectionType: ProjectionType.KEYS_ONLY,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: OUTBOX_PENDING_INDEX.indexName,
      partitionKey: { name: OUTBOX_PENDING_INDEX.partitionKey, type: AttributeType.STRING },
      projectionType: ProjectionType.KEYS_ONLY,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: BATCH_JOBS_INDEX.indexName,
      partitionKey: { name: BATCH_JOBS_INDEX.partitionKey, type: AttributeType.STRING },
      sortKey: { name: BATCH_JOBS_INDEX.sortKey, type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: PENDING_BATCH_JOBS_INDEX.indexName,
      partitionKey: { name: PENDING_BATCH_JOBS_INDEX.partitionKey, type: AttributeType.STRING },
      sortKey: { name: PENDING_BATCH_JOBS_INDEX.sortKey, type: AttributeType.STRING },
      projectionType: ProjectionType.KEYS_ONLY,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: RECONCILE_INDEX.indexName,
      partitionKey: { name: RECONCILE_INDEX.partitionKey, type: AttributeType.STRING },
      sortKey: { name: RECONCILE_INDEX.sortKey, type: AttributeType.NUMBER },
      projectionType: ProjectionType.KEYS_ONLY,
    });
    // A stable logical id: the local runtime looks the table up by it, and refactors never replace it.
    (this.table.node.defaultChild as CfnResource).overrideLogicalId('JobsTable');
  }
}
