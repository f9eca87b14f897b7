import { createServer, type Server, type ServerResponse } from 'node:http';
import { closeServer, listen, readBody, sendAwsJson } from './http-util.js';
import type { TaskTokens, TokenLookup } from './sfn-task-tokens.js';
import {
  type LocalExecution,
  type LocalStateMachines,
  MAX_INPUT_BYTES,
  SfnApiError,
} from './state-machines.js';
import type { Json } from './template.js';

/**
 * The Step Functions endpoint (AWS JSON 1.0, `X-Amz-Target: AWSStepFunctions.<Operation>`) that SDK clients use
 * locally: StartExecution, StartSyncExecution, DescribeExecution, StopExecution, ListExecutions,
 * GetExecutionHistory (minimal), ListStateMachines, DescribeStateMachine, and the callback pattern's
 * SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat.
 */
export interface SfnFront {
  endpoint: string;
  serve(machines: LocalStateMachines): void;
  stop(): Promise<void>;
}

const seconds = (date?: Date) => (date ? date.getTime() / 1000 : undefined);

function summary(e: LocalExecution) {
  return {
    executionArn: e.executionArn,
    stateMachineArn: e.stateMachineArn,
    name: e.name,
    status: e.status,
    startDate: seconds(e.startDate),
    stopDate: seconds(e.stopDate),
  };
}

function describe(e: LocalExecution) {
  return {
    ...summary(e),
    input: e.input,
    inputDetails: { included: true },
    ...(e.output !== undefined ? { output: e.output, outputDetails: { included: true } } : {}),
    error: e.error,
    cause: e.cause,
    redriveCount: 0,
    redriveStatus: 'NOT_REDRIVABLE',
  };
}

/** Offset-based paging: nextToken is the index of the next item. */
function page<T>(items: T[], body: Json, defaultSize = 100) {
  const start = body.nextToken ? Number(Buffer.from(String(body.nextToken), 'base64url').toString()) : 0;
  if (!Number.isInteger(start) || start < 0) throw new SfnApiError('InvalidToken', 'Invalid Token');
  const size = Number(body.maxResults) || defaultSize;
  const end = start + size;
  return {
    items: items.slice(start, end),
    nextToken: end < items.length ? Buffer.from(String(end)).toString('base64url') : undefined,
  };
}

const validation = (member: string, constraint: string) =>
  new SfnApiError(
    'ValidationException',
    `1 validation error detected: Value at '${member}' failed to satisfy constraint: ${constraint}`,
  );

function requiredToken(taskToken: unknown): string {
  if (typeof taskToken !== 'string' || !taskToken) throw validation('taskToken', 'Member must not be null');
  if (taskToken.length > 1024)
    throw validation('taskToken', 'Member must have length less than or equal to 1024');
  return taskToken;
}

/** As AWS answers: a token of another shape is invalid; an unknown, completed or discarded one timed out. */
function checkLookup(lookup: TokenLookup): Record<string, never> {
  if (lookup === 'malformed') throw new SfnApiError('InvalidToken', "Invalid Token: 'Invalid token'");
  if (lookup === 'unknown')
    throw new SfnApiError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");
  return {};
}

/** SendTaskSuccess `{taskToken, output}`: the output (a JSON string) becomes the waiting task's result. */
function sendTaskSuccess(tokens: TaskTokens, body: Json) {
  const token = requiredToken(body.taskToken);
  if (typeof body.output !== 'string') throw validation('output', 'Member must not be null');
  if (Buffer.byteLength(body.output) > MAX_INPUT_BYTES)
    throw validation('output', 'Member must have length less than or equal to 262144');
  let output: Json;
  try {
    output = JSON.parse(body.output);
  } catch (error) {
    throw new SfnApiError('InvalidOutput', `Invalid Output: ${(error as Error).message}`);
  }
  return checkLookup(tokens.succeed(token, output));
}

/** SendTaskFailure `{taskToken, error, cause}`: the task fails with `error`, as Retry/Catch match it. */
function sendTaskFailure(tokens: TaskTokens, body: Json) {
  const token = requiredToken(body.taskToken);
  const error = typeof body.error === 'string' ? body.error : '';
  const cause = typeof body.cause === 'string' ? body.cause : '';
  if (error.length > 256) throw validation('error', 'Member must have length less than or equal to 256');
  if (cause.length > 32768) throw validation('cause', 'Member must have length less than or equal to 32768');
  return checkLookup(tokens.fail(token, error, cause));
}

async function operation(machines: LocalStateMachines, name: string, body: Json): Promise<unknown> {
  switch (name) {
    case 'StartExecution': {
      const e = machines.start(String(body.stateMachineArn ?? ''), body.name, body.input ?? '{}');
      return { executionArn: e.executionArn, startDate: seconds(e.startDate) };
    }
    case 'StartSyncExecution': {
      const e = machines.start(String(body.stateMachineArn ?? ''), body.name, body.input ?? '{}');
      await e.done;
      return { ...describe(e), status: e.status === 'ABORTED' ? 'FAILED' : e.status };
    }
    case 'DescribeExecution':
      return describe(machines.execution(String(body.executionArn)));
    case 'StopExecution': {
      const e = await machines.stop(String(body.executionArn), body.error, body.cause);
      return { stopDate: seconds(e.stopDate ?? new Date()) };
    }
    case 'ListExecutions': {
      const { items, nextToken } = page(machines.list(String(body.stateMachineArn), body.statusFilter), body);
      return { executions: items.map(summary), nextToken };
    }
    case 'GetExecutionHistory': {
      const history = [...machines.execution(String(body.executionArn)).history];
      if (body.reverseOrder) history.reverse();
      const { items, nextToken } = page(history, body, 1000);
      return { events: items, nextToken };
    }
    case 'SendTaskSuccess':
      return sendTaskSuccess(machines.tokens, body);
    case 'SendTaskFailure':
      return sendTaskFailure(machines.tokens, body);
    case 'SendTaskHeartbeat':
      return checkLookup(machines.tokens.heartbeat(requiredToken(body.taskToken)));
    case 'ListStateMachines':
      return {
        stateMachines: machines.machines.map((m) => ({
          stateMachineArn: m.arn,
          name: m.name,
          type: m.type,
          creationDate: 0,
        })),
      };
    case 'DescribeStateMachine': {
      const m = machines.machine(String(body.stateMachineArn));
      return {
        stateMachineArn: m.arn,
        name: m.name,
        status: 'ACTIVE',
        definition: m.definitionString,
        roleArn: m.roleArn,
        type: m.type,
        creationDate: 0,
      };
    }
  }
  throw new SfnApiError(
    'UnknownOperationException',
    `operation ${name} is not supported by the local runtime`,
  );
}

const send = (res: ServerResponse, status: number, body: unknown, errorType?: string) =>
  sendAwsJson(res, '1.0', status, body, errorType);

export async function startSfnFront(port = 0): Promise<SfnFront> {
  let machines: LocalStateMachines | undefined;
  const server: Server = createServer(async (req, res) => {
    try {
      const target = String(req.headers['x-amz-target'] ?? '');
      const raw = (await readBody(req, 1024 * 1024)).toString('utf8');
      if (req.method !== 'POST' || !target.startsWith('AWSStepFunctions.'))
        throw new SfnApiError(
          'UnknownOperationException',
          `expected a POST with X-Amz-Target AWSStepFunctions.*`,
        );
      if (!machines) throw new SfnApiError('ServiceUnavailable', 'the local stack is starting');
      let body: Json = {};
      try {
        body = raw ? JSON.parse(raw) : {};
      } catch {
        throw new SfnApiError('SerializationException', 'the request body is not JSON');
      }
      send(res, 200, await operation(machines, target.slice('AWSStepFunctions.'.length), body));
    } catch (error) {
      const code = error instanceof SfnApiError ? error.code : 'InternalFailure';
      const status = code === 'InternalFailure' ? 500 : 400;
      send(res, status, { __type: `com.amazonaws.states#${code}`, message: (error as Error).message }, code);
    }
  });
  const endpoint = await listen(server, port);
  return {
    endpoint,
    serve(m) {
      machines = m;
    },
    stop: () => closeServer(server),
  };
}
