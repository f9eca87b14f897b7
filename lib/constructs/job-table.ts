import type { CfnResource } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import type { StageConfig } from '../config.js';

export interface JobTableProps {
  config: StageConfig;
}

/**
 * One table for the job state and its satellites (single-table design):
 *   jobs              pk TENANT#{tenant}   sk JOB#{ulid}
 *   idempotency keys  records keyed under the tenant (the job store owns their exact layout)
 *   API keys          pk APIKEY#{sha256 of the key}
 * No GSIs yet: every read is by tenant (newest first through the ULID sort key) or by exact key.
 * No TTL attribute either: the design never relies on TTL deletion (the local emulator lacks it).
 */
export class JobTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: JobTableProps) {
    super(scope, id);
    const { config } = props;
    this.table = new Table(this, 'Table', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      deletionProtection: config.tableDeletionProtection,
      removalPolicy: config.removalPolicy,
    });
    // A stable logical id: the local runtime looks the table up by it, and refactors never replace it.
    (this.table.node.defaultChild as CfnResource).overrideLogicalId('JobsTable');
  }
}
