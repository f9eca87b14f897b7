import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';

/** A cdk-nag finding accepted on purpose; `id` may name one finding, e.g. `AwsSolutions-IAM5[Resource::*]`. */
export interface NagAcknowledgment {
  id: string;
  reason: string;
}

/**
 * Records accepted cdk-nag findings on a construct (and so on everything below it), each with its reason.
 * cdk-nag 3 reads CDK's native acknowledgments (`Validations.of(...).acknowledge`); each finding of a
 * multi-finding rule (IAM5) is acknowledged by its own id.
 */
export function acknowledgeNag(scope: IConstruct, acknowledgments: readonly NagAcknowledgment[]): void {
  Validations.of(scope).acknowledge(...acknowledgments);
}

const S3_GRANT_ACTIONS = {
  read: ['s3:GetBucket*', 's3:GetObject*', 's3:List*'],
  put: ['s3:Abort*'],
} as const;

/**
 * The IAM5 findings of `bucket.grantRead/grantPut(fn, 't/*')`: CDK's action groups and the tenant prefix
 * wildcard. Objects are per tenant and per job under `t/`, so no narrower static resource exists.
 */
export function acknowledgeBucketGrant(
  scope: IConstruct,
  bucket: IBucket,
  access: keyof typeof S3_GRANT_ACTIONS,
  prefixPattern: string,
): void {
  const logicalId = Stack.of(bucket).resolve((bucket.node.defaultChild as CfnElement).logicalId) as string;
  const reason =
    `CDK grant${access === 'read' ? 'Read' : 'Put'} on ${prefixPattern} of one bucket: objects are created ` +
    'per tenant and job under that prefix, and the action groups are the minimum CDK grants for it.';
  acknowledgeNag(scope, [
    ...S3_GRANT_ACTIONS[access].map((action) => ({ id: `AwsSolutions-IAM5[Action::${action}]`, reason })),
    { id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/${prefixPattern}]`, reason },
  ]);
}
