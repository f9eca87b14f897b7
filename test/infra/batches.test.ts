import { beforeAll, describe, expect, it } from 'vitest';
import { STAGES, type StageName, stageConfig } from '../../lib/config.js';
import { JOBS_PER_SLOT_ROUND } from '../../lib/constructs/batches.js';
import {
  type CfnResource,
  ENTRIES,
  functionByEntry,
  type Json,
  ofType,
  type Resources,
  synthesizeStages,
} from '../support/infra-template.js';

let templates: Record<StageName, Resources>;

beforeAll(() => {
  templates = synthesizeStages();
});

/** The state machine's ASL with the Fn::Join of its DefinitionString flattened (tokens as placeholders). */
function definition(resources: Resources): Json {
  const machine = resources.BatchStateMachine as CfnResource;
  const parts = machine.Properties.DefinitionString['Fn::Join'][1] as unknown[];
  // Tokens (ARNs, the partition) sit inside JSON strings in the template's Fn::Join.
  return JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'TOKEN')).join(''));
}

function statementsOf(resources: Resources, entry: string): Json[] {
  const [functionId, fn] = functionByEntry(resources, entry);
  const roleRef = fn.Properties.Role['Fn::GetAtt'][0];
  expect(functionId).toBeTruthy();
  return ofType(resources, 'AWS::IAM::Policy')
    .filter(([, policy]) => policy.Properties.Roles.some((r: Json) => r.Ref === roleRef))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement);
}

const actionsOf = (statements: Json[]) => statements.flatMap((s) => [s.Action].flat());

describe('batch state machine', () => {
  it('is a Standard machine with logging of every event, X-Ray tracing and the stage timeout', () => {
    for (const stage of STAGES) {
      const machine = templates[stage].BatchStateMachine as CfnResource;
      const config = stageConfig(stage);
      expect(machine.Properties.StateMachineType).toBe('STANDARD');
      expect(machine.Properties.StateMachineName).toBe(`media-pipeline-${stage}-batches`);
      expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
      expect(machine.Properties.LoggingConfiguration).toMatchObject({
        Level: 'ALL',
        IncludeExecutionData: config.batches.logExecutionData,
      });
      expect(definition(templates[stage]).TimeoutSeconds).toBe(config.batches.maxBatchDays * 86_400);
    }
    expect(stageConfig('prod').batches.logExecutionData).toBe(false);
  });

  it('runs slots in a Distributed Map bounded by the batch’s maxConcurrency, each waiting on a task token', () => {
    const asl = definition(templates.prod);
    expect(asl.StartAt).toBe('StartBatch');
    const slots = asl.States.RunSlots;
    expect(slots).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.slots',
      MaxConcurrencyPath: '$.maxConcurrency',
      ResultPath: null,
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
        StartAt: 'NextJob',
      },
    });
    const states = slots.ItemProcessor.States;
    expect(states.NextJob).toMatchObject({
      Resource: 'arn:TOKEN:states:::lambda:invoke.waitForTaskToken',
      Parameters: { Payload: { action: 'next', 'taskToken.$': '$$.Task.Token' } },
      TimeoutSeconds: stageConfig('prod').batches.jobTimeoutMinutes * 60,
      Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'CountJob' }],
    });
    expect(states.SlotRoundFull.Choices[0]).toMatchObject({
      NumericGreaterThanEquals: JOBS_PER_SLOT_ROUND,
      Next: 'SlotDone',
    });
    expect(asl.States.BatchStep.Choices.map((c: Json) => c.Next)).toEqual(['RunSlots', 'WaitForStragglers']);
    for (const task of [asl.States.StartBatch, states.NextJob, asl.States.FinishBatch]) {
      expect(task.Retry).toContainEqual(
        expect.objectContaining({
          ErrorEquals: ['Lambda.TooManyRequestsException', 'Lambda.ServiceException', 'States.TaskFailed'],
          JitterStrategy: 'FULL',
          BackoffRate: 2,
        }),
      );
    }
  });

  it('frees slots from terminal events of batch jobs only, with retries and a DLQ', () => {
    const rule = templates.dev.BatchJobEndedRule as CfnResource;
    expect(rule.Properties.EventPattern).toEqual({
      source: ['media-pipeline'],
      'detail-type': ['media.job.completed', 'media.job.failed', 'media.job.cancelled'],
      detail: { job: { batchId: [{ exists: true }] } },
    });
    const [callbackId] = functionByEntry(templates.dev, ENTRIES.batchCallback);
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [callbackId, 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['BatchCallbackDeadLetterQueue', 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
      }),
    ]);
  });

  it('grants least privilege: task responses by name, schedules only batch-*, no kms or wildcard actions', () => {
    const resources = templates.prod;
    const tasks = statementsOf(resources, ENTRIES.batchTasks);
    const callback = statementsOf(resources, ENTRIES.batchCallback);
    const api = statementsOf(resources, ENTRIES.api);
    for (const statements of [tasks, callback]) {
      const response = statements.find((s) => actionsOf([s]).includes('states:SendTaskSuccess'));
      expect(JSON.stringify(response.Resource)).toContain(':stateMachine:media-pipeline-prod-batches*');
      expect(actionsOf(statements)).not.toContain('states:StartExecution');
      expect(actionsOf(statements).some((a: string) => a.startsWith('kms:'))).toBe(false);
      expect(actionsOf(statements).some((a: string) => a === '*' || a.endsWith(':*'))).toBe(false);
    }
    expect(actionsOf(tasks)).toContain('sqs:SendMessage');
    expect(actionsOf(callback)).not.toContain('sqs:SendMessage');
    const schedule = api.find((s) => actionsOf([s]).includes('scheduler:CreateSchedule'));
    expect(JSON.stringify(schedule.Resource)).toContain(':schedule/default/batch-*');
    expect(actionsOf(api)).toContain('states:StartExecution');
    expect(actionsOf(api)).toContain('iam:PassRole');
    const role = resources[
      Object.keys(resources).find(
        (id) => id.startsWith('BatchesSchedulerRole') && resources[id]?.Type === 'AWS::IAM::Role',
      ) as string
    ] as CfnResource;
    expect(role.Properties.AssumeRolePolicyDocument.Statement[0]).toMatchObject({
      Principal: { Service: 'scheduler.amazonaws.com' },
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    });
  });
});
