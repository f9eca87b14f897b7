import { describe, expect, it } from 'vitest';
import { createTableInput, queueAttributes } from '../../local/resources.js';
import { bucketNameFromLogicalId, LocalTemplate } from '../../local/template.js';

const raw = {
  Parameters: { BootstrapVersion: { Type: 'String', Default: '/cdk-bootstrap/version' } },
  Conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] } },
  Mappings: { Sizes: { 'us-east-1': { memory: 512 } } },
  Resources: {
    Uploads4F6EB0FD: { Type: 'AWS::S3::Bucket', Properties: {} },
    Named: {
      Type: 'AWS::S3::Bucket',
      Properties: { BucketName: { 'Fn::Join': ['-', ['media', { Ref: 'AWS::AccountId' }]] } },
    },
    JobsTable1234: { Type: 'AWS::DynamoDB::Table', Properties: { KeySchema: [] } },
    IngestQueueABCD: { Type: 'AWS::SQS::Queue', Properties: {} },
    IngestDlqEF01: { Type: 'AWS::SQS::Queue', Properties: {} },
    Ordered: { Type: 'AWS::SQS::Queue', Properties: { FifoQueue: true } },
    FnA: { Type: 'AWS::Lambda::Function', Properties: {} },
    Api1: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: 'api' } },
    ProdOnly: { Type: 'AWS::SQS::Queue', Condition: 'IsProd', Properties: {} },
    Machine: { Type: 'AWS::StepFunctions::StateMachine', Properties: { StateMachineName: 'video' } },
  },
  Outputs: {
    Bucket: { Value: { Ref: 'Uploads4F6EB0FD' } },
    Api: { Value: { 'Fn::GetAtt': ['Api1', 'ApiEndpoint'] } },
    Hidden: { Value: 'x', Condition: 'IsProd' },
  },
};

// CloudFormation Fn::Sub syntax, not JavaScript template placeholders.
// biome-ignore lint/suspicious/noTemplateCurlyInString: Fn::Sub syntax
const SUB = 'cdk-${AWS::AccountId}-${AWS::Region}-${Uploads4F6EB0FD}-${FnA.Arn}-${!Literal}';
const SUBBED = `cdk-000000000000-us-east-1-uploads4f6eb0fd-arn:aws:lambda:us-east-1:000000000000:function:FnA-$${'{'}Literal}`;
// biome-ignore lint/suspicious/noTemplateCurlyInString: Fn::Sub syntax
const SUB_WITH_VARS = '${a}/${b}';

function template() {
  const t = new LocalTemplate(raw);
  t.setEndpoints({ sqs: 'http://127.0.0.1:4566', apis: { Api1: 'http://127.0.0.1:3000' } });
  return t;
}

describe('LocalTemplate', () => {
  it('derives physical names, honouring explicit name properties', () => {
    const t = template();
    expect(t.physicalName('Uploads4F6EB0FD')).toBe('uploads4f6eb0fd');
    expect(t.physicalName('Named')).toBe('media-000000000000');
    expect(t.physicalName('JobsTable1234')).toBe('JobsTable1234');
    expect(t.physicalName('Ordered')).toBe('Ordered.fifo');
    expect(bucketNameFromLogicalId('My_Bucket')).toBe('mybucket');
    expect(bucketNameFromLogicalId('X')).toMatch(/^[a-z0-9][a-z0-9.-]{2,62}$/);
  });

  it('resolves Ref and Fn::GetAtt to local names, URLs and ARNs', () => {
    const t = template();
    expect(t.resolve({ Ref: 'IngestQueueABCD' })).toBe('http://127.0.0.1:4566/000000000000/IngestQueueABCD');
    expect(t.resolve({ 'Fn::GetAtt': ['IngestQueueABCD', 'Arn'] })).toBe(
      'arn:aws:sqs:us-east-1:000000000000:IngestQueueABCD',
    );
    expect(t.resolve({ 'Fn::GetAtt': ['IngestQueueABCD', 'QueueName'] })).toBe('IngestQueueABCD');
    expect(t.resolve({ 'Fn::GetAtt': ['JobsTable1234', 'Arn'] })).toBe(
      'arn:aws:dynamodb:us-east-1:000000000000:table/JobsTable1234',
    );
    expect(t.resolve({ 'Fn::GetAtt': ['FnA', 'Arn'] })).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:FnA',
    );
    expect(t.resolve({ 'Fn::GetAtt': 'Uploads4F6EB0FD.Arn' })).toBe('arn:aws:s3:::uploads4f6eb0fd');
    expect(t.resolve({ Ref: 'Machine' })).toBe('arn:aws:states:us-east-1:000000000000:stateMachine:video');
    expect(t.resolve({ Ref: 'BootstrapVersion' })).toBe('/cdk-bootstrap/version');
  });

  it('evaluates Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::If, Fn::FindInMap and AWS::NoValue', () => {
    const t = template();
    expect(
      t.resolve({
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { Ref: 'Uploads4F6EB0FD' }, '/*']],
      }),
    ).toBe('arn:aws:s3:::uploads4f6eb0fd/*');
    expect(t.resolve({ 'Fn::Sub': SUB })).toBe(SUBBED);
    expect(t.resolve({ 'Fn::Sub': [SUB_WITH_VARS, { a: 'x', b: { Ref: 'JobsTable1234' } }] })).toBe(
      'x/JobsTable1234',
    );
    expect(t.resolve({ 'Fn::Select': [1, { 'Fn::Split': ['/', 'a/b/c'] }] })).toBe('b');
    expect(t.resolve({ 'Fn::If': ['IsProd', 'big', 'small'] })).toBe('small');
    expect(t.resolve({ 'Fn::FindInMap': ['Sizes', { Ref: 'AWS::Region' }, 'memory'] })).toBe(512);
    expect(
      t.resolve({
        a: 1,
        b: { 'Fn::If': ['IsProd', 2, { Ref: 'AWS::NoValue' }] },
        c: [1, { Ref: 'AWS::NoValue' }],
      }),
    ).toEqual({
      a: 1,
      c: [1],
    });
    expect(() => t.resolve({ 'Fn::ImportValue': 'x' })).toThrow(/not supported/);
  });

  it('drops resources whose condition is false and resolves outputs', () => {
    const t = template();
    expect(t.ofType('AWS::SQS::Queue').map(([id]) => id)).not.toContain('ProdOnly');
    expect(t.outputs()).toEqual({ Bucket: 'uploads4f6eb0fd', Api: 'http://127.0.0.1:3000' });
  });

  it('finds resources by a unique logical id prefix, and by ARN', () => {
    const t = template();
    expect(t.logicalId('AWS::SQS::Queue', 'IngestQueue')).toBe('IngestQueueABCD');
    expect(() => t.logicalId('AWS::SQS::Queue', 'Ingest')).toThrow(/ambiguous/);
    expect(() => t.logicalId('AWS::SQS::Queue', 'Nope')).toThrow(/matches none/);
    expect(
      t.findByArn('AWS::Lambda::Function', 'arn:aws:lambda:us-east-1:000000000000:function:FnA:live'),
    ).toBe('FnA');
    expect(t.findByArn('AWS::SQS::Queue', 'arn:aws:sqs:us-east-1:000000000000:IngestDlqEF01')).toBe(
      'IngestDlqEF01',
    );
  });
});

describe('resource inputs', () => {
  it('maps an on-demand table with a GSI to CreateTable', () => {
    const input = createTableInput('jobs', {
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'g',
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    });
    expect(input).toMatchObject({
      TableName: 'jobs',
      BillingMode: 'PAY_PER_REQUEST',
      ProvisionedThroughput: undefined,
    });
    expect(input.GlobalSecondaryIndexes?.[0]).toEqual({
      IndexName: 'g',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    });
  });

  it('maps a provisioned table, giving its indexes throughput', () => {
    const input = createTableInput('t', {
      ProvisionedThroughput: { ReadCapacityUnits: 2, WriteCapacityUnits: 3 },
      GlobalSecondaryIndexes: [{ IndexName: 'g', KeySchema: [] }],
    });
    expect(input.BillingMode).toBe('PROVISIONED');
    expect(input.GlobalSecondaryIndexes?.[0]?.ProvisionedThroughput).toEqual({
      ReadCapacityUnits: 5,
      WriteCapacityUnits: 5,
    });
  });

  it('maps queue properties to attributes, redrive policy as JSON', () => {
    expect(
      queueAttributes({
        VisibilityTimeout: 180,
        MessageRetentionPeriod: 1209600,
        RedrivePolicy: {
          deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:dlq',
          maxReceiveCount: '5',
        },
        KmsMasterKeyId: 'alias/aws/sqs',
      }),
    ).toEqual({
      VisibilityTimeout: '180',
      MessageRetentionPeriod: '1209600',
      RedrivePolicy: '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":5}',
    });
  });
});
