import { createHash } from 'node:crypto';

/** Physical names and ARNs of resources as the local runtime names them. */
export const REGION = 'us-east-1';
export const ACCOUNT_ID = '000000000000';

/** Explicit name properties per resource type. */
export const NAME_PROPERTY: Record<string, string> = {
  'AWS::S3::Bucket': 'BucketName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::DynamoDB::GlobalTable': 'TableName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::Events::EventBus': 'Name',
  'AWS::Events::Rule': 'Name',
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::ECS::Cluster': 'ClusterName',
  'AWS::ApiGatewayV2::Api': 'Name',
  'AWS::KMS::Alias': 'AliasName',
};

export const ARN_SHAPE: Record<string, (name: string) => string> = {
  'AWS::S3::Bucket': (n) => `arn:aws:s3:::${n}`,
  'AWS::SQS::Queue': (n) => `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:${n}`,
  'AWS::DynamoDB::Table': (n) => `arn:aws:dynamodb:${REGION}:${ACCOUNT_ID}:table/${n}`,
  'AWS::DynamoDB::GlobalTable': (n) => `arn:aws:dynamodb:${REGION}:${ACCOUNT_ID}:table/${n}`,
  'AWS::Lambda::Function': (n) => `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${n}`,
  'AWS::IAM::Role': (n) => `arn:aws:iam::${ACCOUNT_ID}:role/${n}`,
  'AWS::Events::EventBus': (n) => `arn:aws:events:${REGION}:${ACCOUNT_ID}:event-bus/${n}`,
  'AWS::Events::Rule': (n) => `arn:aws:events:${REGION}:${ACCOUNT_ID}:rule/${n}`,
  'AWS::StepFunctions::StateMachine': (n) => `arn:aws:states:${REGION}:${ACCOUNT_ID}:stateMachine:${n}`,
  'AWS::SNS::Topic': (n) => `arn:aws:sns:${REGION}:${ACCOUNT_ID}:${n}`,
  'AWS::Logs::LogGroup': (n) => `arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:${n}:*`,
  'AWS::ECS::Cluster': (n) => `arn:aws:ecs:${REGION}:${ACCOUNT_ID}:cluster/${n}`,
  'AWS::KMS::Key': (n) => `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/${n}`,
  // The alias name already starts with `alias/`.
  'AWS::KMS::Alias': (n) => `arn:aws:kms:${REGION}:${ACCOUNT_ID}:${n}`,
};

/** Ref returns the ARN, not the name, for these types. */
export const REF_IS_ARN = new Set([
  'AWS::StepFunctions::StateMachine',
  'AWS::SNS::Topic',
  'AWS::ECS::TaskDefinition',
]);

export function bucketNameFromLogicalId(logicalId: string): string {
  const name = logicalId
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return (name.length >= 3 ? name : `${name}bucket`).slice(0, 63);
}

/** A short deterministic id, like the 10-character ids API Gateway and friends hand out. */
export function shortId(seed: string): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, 10);
}

/** A KMS key id (a UUID, as KMS hands out), deterministic per stack and logical id. */
export function kmsKeyId(stackName: string, logicalId: string): string {
  const hex = createHash('sha256').update(`kms:${stackName}:${logicalId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
