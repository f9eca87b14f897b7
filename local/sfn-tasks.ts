import { randomUUID } from 'node:crypto';
import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { LambdaHost } from './lambda-host.js';
import type { TaskStateDefinition } from './sfn-definitions.js';
import { type EcsRunner, TaskEnded } from './sfn-ecs.js';
import { type TaskOutcome, type TaskTokens, withTaskToken } from './sfn-task-tokens.js';
import type { Json } from './template.js';

/**
 * What a Task state does locally, by Resource: Lambda ARNs and `lambda:invoke` → the in-process handler;
 * `ecs:runTask(.sync)` → a container child process; `dynamodb:*Item` and `sqs:sendMessage` → the emulators;
 * `lambda:invoke` / `sqs:sendMessage` `.waitForTaskToken` → the call, then the token's completion.
 * Results and errors have the shapes the real service integrations give.
 */
export interface TaskDependencies {
  host: LambdaHost;
  ecs: EcsRunner;
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
}

export type TaskHandler = (input: Json) => Promise<Json>;

export const SUPPORTED_RESOURCES = [
  'arn:aws:lambda:…:function:…',
  'arn:aws:states:::lambda:invoke',
  'arn:aws:states:::ecs:runTask(.sync)',
  'arn:aws:states:::dynamodb:getItem|putItem|updateItem|deleteItem',
  'arn:aws:states:::sqs:sendMessage',
  'arn:aws:states:::lambda:invoke.waitForTaskToken',
  'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
];

/** An error for the state machine: `name` is what Retry/Catch ErrorEquals match, `message` the Cause. */
function statesError(name: string, cause: string, options: { terminal?: boolean } = {}): Error {
  const error = new Error(cause);
  error.name = name;
  // aws-local-stepfunctions reads these: States.Runtime can be neither retried nor caught, as in AWS.
  if (options.terminal) Object.assign(error, { isRetryable: false, isCatchable: false });
  return error;
}

/** The library's own States.Timeout class, so `States.TaskFailed` does not match our timeouts (as in AWS). */
let timeoutErrorClass: Promise<new () => Error> | undefined;
async function statesTimeout(cause: string): Promise<Error> {
  timeoutErrorClass ??= (async () => {
    const { StateMachine } = await import('aws-local-stepfunctions');
    const probe = new StateMachine(
      {
        StartAt: 'T',
        States: {
          T: { Type: 'Task', Resource: 'arn:aws:states:::local:probe', TimeoutSeconds: 0.001, End: true },
        },
      },
      { validationOptions: { noValidate: true } },
    );
    const run = probe.run(null, {
      overrides: { taskResourceLocalHandlers: { T: () => new Promise(() => {}) } },
    });
    const error = (await run.result.then(
      () => undefined,
      (e) => e,
    )) as { cause?: Error };
    return (error?.cause?.constructor ?? Error) as new () => Error;
  })();
  const error = new (await timeoutErrorClass)();
  error.message = cause;
  return error;
}

/** Plain JSON (binary attributes base64, as Step Functions returns them; undefined dropped). */
function toJson(value: unknown): Json {
  return JSON.parse(
    JSON.stringify(value ?? null, (_key, v) =>
      v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v,
    ),
  );
}

function sdkMetadata(requestId?: string) {
  const RequestId = requestId ?? randomUUID();
  return {
    SdkHttpMetadata: {
      HttpHeaders: { 'Content-Type': 'application/json', 'x-amzn-RequestId': RequestId },
      HttpStatusCode: 200,
    },
    SdkResponseMetadata: { RequestId },
  };
}

/** A Lambda function error as Step Functions reports it: Error = errorType, Cause = the runtime's JSON. */
function lambdaError(error: unknown): Error {
  const e = error instanceof Error ? error : new Error(String(error));
  const errorType = e.name && e.name !== 'Error' ? e.name : (e.constructor?.name ?? 'Error');
  const cause = JSON.stringify({
    errorType,
    errorMessage: e.message,
    trace: (e.stack ?? '').split('\n'),
  });
  return statesError(errorType, cause);
}

async function invokeLambda(host: LambdaHost, fn: string, payload: unknown): Promise<unknown> {
  try {
    return (await host.invoke(fn, payload)) ?? null;
  } catch (error) {
    if (error instanceof Error && /is not hosted locally/.test(error.message))
      throw statesError('States.Runtime', error.message, { terminal: true });
    throw lambdaError(error);
  }
}

async function sdkCall<T>(service: string, call: () => Promise<T>): Promise<Json> {
  try {
    const { $metadata, ...output } = (await call()) as T & { $metadata?: { requestId?: string } };
    return toJson({ ...output, ...sdkMetadata($metadata?.requestId) });
  } catch (error) {
    const e = error as Error;
    throw statesError(`${service}.${e.name}`, e.message);
  }
}

async function runEcsTask(
  deps: TaskDependencies,
  name: string,
  state: TaskStateDefinition,
  input: Json,
  wait: boolean,
  signal: AbortSignal,
): Promise<Json> {
  try {
    return toJson(
      await deps.ecs.runTask(input, {
        stateName: name,
        wait,
        signal: wait ? signal : undefined,
        timeoutSeconds: state.TimeoutSecondsPath === undefined ? state.TimeoutSeconds : undefined,
        heartbeatSeconds: state.HeartbeatSeconds,
      }),
    );
  } catch (error) {
    if (!(error instanceof TaskEnded)) {
      // An ECS API error (e.g. ThrottlingException) surfaces as `ECS.<name>`, as Step Functions names it.
      const name = (error as Error).name;
      const ecsError = /^[A-Z]\w*Exception$/.test(name) ? name : 'InvalidParameterException';
      throw statesError(`ECS.${ecsError}`, (error as Error).message);
    }
    if (error.reason === 'timeout' || error.reason === 'heartbeat') throw await statesTimeout(error.message);
    throw statesError('States.TaskFailed', error.message);
  }
}

/** What a task needs of its execution: `signal` aborts when it ends; `tokens` is the machines' registry. */
export interface TaskExecution {
  signal: AbortSignal;
  tokens: TaskTokens;
}

/** One handler per Task state, for one execution. */
export function taskHandlers(
  tasks: Map<string, TaskStateDefinition>,
  deps: TaskDependencies,
  execution: TaskExecution,
): Record<string, TaskHandler> {
  const handlers: Record<string, TaskHandler> = {};
  for (const [name, state] of tasks)
    handlers[name] = async (input) => {
      if (execution.signal.aborted) throw executionStopped();
      return runTask(deps, name, state, input, execution);
    };
  return handlers;
}

const executionStopped = () => statesError('States.Runtime', 'the execution was stopped', { terminal: true });

async function sendMessage(deps: TaskDependencies, input: Json): Promise<Json> {
  // Step Functions serializes a JSON MessageBody to a string.
  const body =
    typeof input?.MessageBody === 'string' ? input.MessageBody : JSON.stringify(input?.MessageBody);
  return sdkCall('SQS', () => deps.sqs.send(new SendMessageCommand({ ...input, MessageBody: body })));
}

/** The task's result once its token is completed (or why it failed). */
async function tokenResult(outcome: TaskOutcome): Promise<Json> {
  switch (outcome.kind) {
    case 'success':
      return toJson(outcome.output);
    case 'failure':
      throw statesError(outcome.error, outcome.cause);
    case 'expired':
      if (outcome.reason === 'heartbeat')
        throw await statesTimeout(`the task sent no heartbeat for ${outcome.seconds}s (HeartbeatSeconds)`);
      if (outcome.reason === 'timeout')
        throw await statesTimeout(`the task timed out after ${outcome.seconds}s`);
      throw executionStopped();
  }
}

/**
 * `.waitForTaskToken`: mints a token, hands it out through the call (Lambda or SQS) and waits for
 * SendTaskSuccess/Failure. The call's own result is ignored, but a failed call fails the task; a token may be
 * completed before the call returns (a Lambda completing its own token).
 */
async function runCallbackTask(
  deps: TaskDependencies,
  call: 'lambda:invoke' | 'sqs:sendMessage',
  state: TaskStateDefinition,
  input: Json,
  execution: TaskExecution,
): Promise<Json> {
  const wait = execution.tokens.open({
    signal: execution.signal,
    heartbeatSeconds: state.HeartbeatSeconds,
    timeoutSeconds: state.TimeoutSecondsPath === undefined ? state.TimeoutSeconds : undefined,
  });
  const effective = withTaskToken(input, wait.token);
  let delivered: Promise<unknown>;
  if (call === 'sqs:sendMessage') delivered = sendMessage(deps, effective);
  else if (effective?.InvocationType === 'Event') {
    deps.host
      .invoke(String(effective?.FunctionName ?? ''), effective?.Payload ?? null)
      .catch(() => undefined);
    delivered = Promise.resolve();
  } else
    delivered = invokeLambda(deps.host, String(effective?.FunctionName ?? ''), effective?.Payload ?? null);
  const callFailed = delivered.then(
    () => new Promise<never>(() => {}),
    (error: unknown) => ({ kind: 'call-failed' as const, error }),
  );
  const first = await Promise.race([wait.outcome, callFailed]);
  if (first.kind === 'call-failed') {
    wait.abandon();
    throw first.error;
  }
  return tokenResult(first);
}

async function runTask(
  deps: TaskDependencies,
  name: string,
  state: TaskStateDefinition,
  input: Json,
  execution: TaskExecution,
): Promise<Json> {
  const { signal } = execution;
  const resource = state.Resource;
  if (/^arn:aws:lambda:[^:]*:[^:]*:function:/.test(resource))
    return toJson(await invokeLambda(deps.host, resource, input));
  const integration = /^arn:aws:states:::([\w-]+):(\w+)(\.sync|\.sync:2|\.waitForTaskToken)?$/.exec(resource);
  const key = integration ? `${integration[1]}:${integration[2]}${integration[3] ?? ''}` : resource;
  switch (key) {
    case 'lambda:invoke': {
      const fn = String(input?.FunctionName ?? '');
      const payload = input?.Payload ?? null;
      if (input?.InvocationType === 'Event') {
        deps.host.invoke(fn, payload).catch(() => undefined);
        return toJson({ Payload: '', StatusCode: 202, ...sdkMetadata() });
      }
      if (input?.InvocationType === 'DryRun')
        return toJson({ Payload: '', StatusCode: 204, ...sdkMetadata() });
      const result = await invokeLambda(deps.host, fn, payload);
      return toJson({ ExecutedVersion: '$LATEST', Payload: result, StatusCode: 200, ...sdkMetadata() });
    }
    case 'ecs:runTask.sync':
    case 'ecs:runTask':
      return runEcsTask(deps, name, state, input, key.endsWith('.sync'), signal);
    case 'dynamodb:getItem':
      return sdkCall('DynamoDB', () => deps.dynamodb.send(new GetItemCommand(input)));
    case 'dynamodb:putItem':
      return sdkCall('DynamoDB', () => deps.dynamodb.send(new PutItemCommand(input)));
    case 'dynamodb:updateItem':
      return sdkCall('DynamoDB', () => deps.dynamodb.send(new UpdateItemCommand(input)));
    case 'dynamodb:deleteItem':
      return sdkCall('DynamoDB', () => deps.dynamodb.send(new DeleteItemCommand(input)));
    case 'sqs:sendMessage':
      return sendMessage(deps, input);
    case 'lambda:invoke.waitForTaskToken':
    case 'sqs:sendMessage.waitForTaskToken':
      return runCallbackTask(
        deps,
        key.startsWith('sqs') ? 'sqs:sendMessage' : 'lambda:invoke',
        state,
        input,
        execution,
      );
  }
  throw statesError(
    'States.Runtime',
    `Task state '${name}': resource ${resource} is not supported by the local runtime (supported: ${SUPPORTED_RESOURCES.join(', ')})`,
    { terminal: true },
  );
}
