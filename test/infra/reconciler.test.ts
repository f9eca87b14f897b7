import { beforeAll, describe, expect, it } from 'vitest';
import { STAGES, type StageName, stageConfig } from '../../lib/config.js';
import { RECONCILE_SCHEDULE } from '../../lib/constructs/reconciler.js';
import {
  actionsOf,
  type CfnResource,
  ENTRIES,
  functionByEntry,
  functionStatements,
  ofType,
  type Resources,
  resourcesFor,
  synthesizeStages,
} from '../support/infra-template.js';

/** The reconciler as `cdk deploy` makes it: its schedule, its target's retries and exactly the access it needs. */
let templates: Record<StageName, Resources>;

beforeAll(() => {
  templates = synthesizeStages();
});

const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const serialized = (value: unknown) => JSON.stringify(value);

describe('reconciler', () => {
  it('runs every minute on every stage, its pass bounded below the period and its target retried briefly', () => {
    for (const stage of STAGES) {
      const resources = templates[stage];
      const [functionId, fn] = functionByEntry(resources, ENTRIES.reconciler);
      const rule = resources.ReconcilerSchedule as CfnResource;
      expect(rule.Type).toBe('AWS::Events::Rule');
      expect(rule.Properties).toMatchObject({ ScheduleExpression: RECONCILE_SCHEDULE, State: 'ENABLED' });
      expect(RECONCILE_SCHEDULE).toBe('rate(1 minute)');
      expect(rule.Properties.Targets).toEqual([
        expect.objectContaining({
          Arn: arnOf(functionId),
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 120 },
        }),
      ]);
      // EventBridge may invoke it, from this rule only.
      const permissions = ofType(resources, 'AWS::Lambda::Permission').filter(
        ([, p]) => serialized(p.Properties.FunctionName) === serialized(arnOf(functionId)),
      );
      expect(permissions.map(([, p]) => [p.Properties.Principal, p.Properties.SourceArn])).toEqual([
        ['events.amazonaws.com', arnOf('ReconcilerSchedule')],
      ]);
      // A pass ends before the next one starts.
      expect(fn.Properties.Timeout).toBe(stageConfig(stage).reconciler.timeoutSeconds);
      expect(fn.Properties.Timeout).toBeLessThan(60);
    }
  });

  it('may read and conditionally write the jobs table and its indexes, and nothing broader', () => {
    const statements = functionStatements(templates.prod, ENTRIES.reconciler);
    const table = serialized(resourcesFor(statements, 'dynamodb:Query'));
    expect(table).toContain(serialized(arnOf('JobsTable')));
    expect(table).toContain('/index/*');
    for (const action of ['dynamodb:UpdateItem', 'dynamodb:GetItem', 'dynamodb:ConditionCheckItem'])
      expect(serialized(resourcesFor(statements, action)), action).toContain(serialized(arnOf('JobsTable')));
    expect(actionsOf(statements)).not.toContain('dynamodb:DeleteTable');
    for (const statement of statements)
      if (actionsOf([statement]).some((a) => a.startsWith('dynamodb:')))
        expect([statement.Resource].flat(), 'no table wildcard').not.toContain('*');
  });

  it('may send to every job queue and the webhook delivery queue, and look at video executions', () => {
    const resources = templates.prod;
    const statements = functionStatements(resources, ENTRIES.reconciler);
    const sends = serialized(resourcesFor(statements, 'sqs:SendMessage'));
    // One queue per priority, and the dispatcher's; never a dead-letter queue.
    for (const id of [
      'IngestUrgentQueue',
      'IngestHighQueue',
      'IngestQueue',
      'IngestLowQueue',
      'WebhookDeliveryQueue',
    ])
      expect(sends, id).toContain(serialized(arnOf(id)));
    expect(sends).not.toContain('DeadLetter');
    // Video executions (has the job's ended?) and batch executions (has the run ended?).
    const describe = serialized(resourcesFor(statements, 'states:DescribeExecution'));
    expect(describe).toContain('{"Ref":"VideoStateMachine"}');
    expect(describe).toContain('{"Ref":"BatchStateMachine"}');
    // A job it ends FAILED leaves no partial outputs: it may delete under the tenants' prefix of the outputs bucket.
    const deletes = serialized(resourcesFor(statements, 's3:DeleteObject*'));
    expect(deletes).toContain('OutputsBucket');
  });
});
