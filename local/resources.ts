import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type TableDescription,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutBucketCorsCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import type { RuntimeClients } from './clients.js';
import type { Json, LocalTemplate } from './template.js';

/** Creates the template's buckets, tables and queues in the emulators. */
export async function provisionResources(
  template: LocalTemplate,
  clients: RuntimeClients,
  log: (line: string) => void,
): Promise<void> {
  await Promise.all([createBuckets(template, clients, log), createTables(template, clients, log)]);
  await createQueues(template, clients, log);
}

async function createBuckets(template: LocalTemplate, { s3 }: RuntimeClients, log: (line: string) => void) {
  for (const [id, resource] of template.ofType('AWS::S3::Bucket')) {
    const Bucket = template.physicalName(id);
    // A durable stack finds its buckets from the last run.
    await s3.send(new CreateBucketCommand({ Bucket })).catch((error: unknown) => {
      if (!['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes((error as Error).name)) throw error;
    });
    const props = template.resolve(resource.Properties ?? {});
    const rules = props.CorsConfiguration?.CorsRules as Record<string, Json>[] | undefined;
    if (rules?.length) {
      await s3.send(
        new PutBucketCorsCommand({
          Bucket,
          CORSConfiguration: {
            CORSRules: rules.map((r) => ({
              ID: r.Id,
              AllowedHeaders: r.AllowedHeaders,
              AllowedMethods: r.AllowedMethods,
              AllowedOrigins: r.AllowedOrigins,
              ExposeHeaders: r.ExposedHeaders,
              MaxAgeSeconds: r.MaxAge,
            })),
          },
        }),
      );
    }
    log(`bucket  ${Bucket}  (${id})`);
  }
}

/** CreateTable input from an AWS::DynamoDB::Table or AWS::DynamoDB::GlobalTable resource's properties. */
export function createTableInput(name: string, props: Record<string, Json>): CreateTableCommandInput {
  const provisioned = props.BillingMode !== 'PAY_PER_REQUEST' && props.ProvisionedThroughput !== undefined;
  const throughput = (t: Json) =>
    provisioned
      ? {
          ReadCapacityUnits: Number(t?.ReadCapacityUnits ?? 5),
          WriteCapacityUnits: Number(t?.WriteCapacityUnits ?? 5),
        }
      : undefined;
  const index = (i: Json, withThroughput: boolean) => ({
    IndexName: i.IndexName,
    KeySchema: i.KeySchema,
    Projection: i.Projection ?? { ProjectionType: 'ALL' },
    ...(withThroughput && provisioned ? { ProvisionedThroughput: throughput(i.ProvisionedThroughput) } : {}),
  });
  return {
    TableName: name,
    AttributeDefinitions: props.AttributeDefinitions,
    KeySchema: props.KeySchema,
    BillingMode: provisioned ? 'PROVISIONED' : 'PAY_PER_REQUEST',
    ProvisionedThroughput: throughput(props.ProvisionedThroughput),
    GlobalSecondaryIndexes: props.GlobalSecondaryIndexes?.length
      ? props.GlobalSecondaryIndexes.map((i: Json) => index(i, true))
      : undefined,
    LocalSecondaryIndexes: props.LocalSecondaryIndexes?.length
      ? props.LocalSecondaryIndexes.map((i: Json) => index(i, false))
      : undefined,
  };
}

async function createTables(
  template: LocalTemplate,
  { dynamodb }: RuntimeClients,
  log: (line: string) => void,
) {
  const tables = [
    ...template.ofType('AWS::DynamoDB::Table'),
    ...template.ofType('AWS::DynamoDB::GlobalTable'),
  ];
  for (const [id, resource] of tables) {
    const name = template.physicalName(id);
    const input = createTableInput(name, template.resolve(resource.Properties ?? {}));
    const existing = await describeTable(dynamodb, name);
    if (!existing) await dynamodb.send(new CreateTableCommand(input));
    else await addMissingIndexes(dynamodb, input, existing);
    log(`table   ${name}  (${id})${existing ? ' (kept from the last run)' : ''}`);
  }
}

async function describeTable(dynamodb: RuntimeClients['dynamodb'], TableName: string) {
  try {
    return (await dynamodb.send(new DescribeTableCommand({ TableName }))).Table;
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

/**
 * A table kept from an earlier run of an older template gets the indexes the template added since
 * (CloudFormation would add them too); indexes the template dropped are left alone.
 */
async function addMissingIndexes(
  dynamodb: RuntimeClients['dynamodb'],
  input: CreateTableCommandInput,
  existing: TableDescription,
) {
  const have = new Set((existing.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
  for (const index of input.GlobalSecondaryIndexes ?? []) {
    if (have.has(index.IndexName)) continue;
    await dynamodb.send(
      new UpdateTableCommand({
        TableName: input.TableName,
        AttributeDefinitions: input.AttributeDefinitions,
        GlobalSecondaryIndexUpdates: [{ Create: index }],
      }),
    );
  }
}

const QUEUE_ATTRIBUTES = [
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'VisibilityTimeout',
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
];

/** CreateQueue attributes from an AWS::SQS::Queue's (resolved) properties. */
export function queueAttributes(props: Record<string, Json>): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const name of QUEUE_ATTRIBUTES) if (props[name] !== undefined) attributes[name] = String(props[name]);
  if (props.RedrivePolicy) {
    const policy =
      typeof props.RedrivePolicy === 'string' ? JSON.parse(props.RedrivePolicy) : { ...props.RedrivePolicy };
    policy.maxReceiveCount = Number(policy.maxReceiveCount);
    attributes.RedrivePolicy = JSON.stringify(policy);
  }
  return attributes;
}

/** Dead-letter queues first: a queue is created once every queue its RedrivePolicy names exists. */
async function createQueues(template: LocalTemplate, { sqs }: RuntimeClients, log: (line: string) => void) {
  const pending = new Map(template.ofType('AWS::SQS::Queue'));
  const created = new Set<string>();
  while (pending.size) {
    const ready = [...pending].filter(([, r]) => {
      const target = template.resolve(r.Properties?.RedrivePolicy)?.deadLetterTargetArn as string | undefined;
      const dlq = target ? template.findByArn('AWS::SQS::Queue', target) : undefined;
      return !dlq || created.has(dlq);
    });
    if (!ready.length)
      throw new Error(`queue redrive policies form a cycle: ${[...pending.keys()].join(', ')}`);
    for (const [id, resource] of ready) {
      const QueueName = template.physicalName(id);
      const Attributes = queueAttributes(template.resolve(resource.Properties ?? {}));
      await sqs.send(new CreateQueueCommand({ QueueName, Attributes }));
      pending.delete(id);
      created.add(id);
      log(
        `queue   ${QueueName}  (${id})${Attributes.RedrivePolicy ? ` redrive ${Attributes.RedrivePolicy}` : ''}`,
      );
    }
  }
}
