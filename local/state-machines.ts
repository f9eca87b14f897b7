import './polyfills.js';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  StateMachine,
} from 'aws-local-stepfunctions';
import { type LocalStateMachine, readStateMachines } from './sfn-definitions.js';
import { type HistoryEvent, recordEvent } from './sfn-history.js';
import { TaskTokens } from './sfn-task-tokens.js';
import { type TaskDependencies, taskHandlers } from './sfn-tasks.js';
import { ACCOUNT_ID, type Json, type LocalTemplate, REGION } from './template.js';

/**
 * The template's state machines, run by aws-local-stepfunctions with every Task overridden (sfn-tasks.ts),
 * and their executions as the Step Functions API presents them (sfn-front.ts speaks the wire protocol).
 */
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface LocalExecution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  input: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  history: HistoryEvent[];
  /** Settles when the execution has ended and its containers have exited. */
  done: Promise<void>;
}

/** An API error: `code` is the Step Functions exception name. */
export class SfnApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const MAX_INPUT_BYTES = 256 * 1024;
// Names: 1–80 characters, none of whitespace, brackets, wildcards, these punctuation marks or control characters.
const INVALID_NAME_CHARACTER = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/;
const invalidName = (name: string) =>
  !name ||
  name.length > 80 ||
  INVALID_NAME_CHARACTER.test(name) ||
  [...name].some((c) => {
    const code = c.codePointAt(0) ?? 0;
    return code < 0x20 || (code >= 0x7f && code <= 0x9f);
  });

interface Running {
  abort(): void;
  controller: AbortController;
}

export class LocalStateMachines {
  readonly machines: LocalStateMachine[];
  private readonly engines = new Map<string, StateMachine>();
  private readonly executions = new Map<string, LocalExecution>();
  private readonly running = new Map<string, Running>();
  /** Task tokens of `.waitForTaskToken` states (discarded when their execution ends). */
  readonly tokens = new TaskTokens();

  constructor(
    template: LocalTemplate,
    private readonly deps: TaskDependencies,
    private readonly log: (line: string) => void,
  ) {
    this.machines = readStateMachines(template);
    for (const machine of this.machines) {
      for (const warning of machine.warnings) log(`state machine ${machine.name}: ${warning}`);
      if (!machine.problems.length) {
        try {
          const engine = new StateMachine(machine.runnable as never, {
            validationOptions: { checkArn: false },
          });
          this.engines.set(machine.arn, engine);
        } catch (error) {
          machine.problems.push((error as Error).message);
        }
      }
      const state = machine.problems.length ? `cannot run locally: ${machine.problems.join('; ')}` : 'ready';
      log(`state machine ${machine.name} (${machine.logicalId}) ${state}`);
    }
  }

  /** Executions still running (their containers included). */
  get busy(): number {
    return this.running.size + this.deps.ecs.running;
  }

  /** The ARN of the state machine whose logical id is or starts with `prefix`. */
  arnOf(prefix: string): string {
    const exact = this.machines.find((m) => m.logicalId === prefix);
    const found = exact ? [exact] : this.machines.filter((m) => m.logicalId.startsWith(prefix));
    if (found.length !== 1)
      throw new Error(
        `AWS::StepFunctions::StateMachine "${prefix}" ${found.length ? 'is ambiguous' : 'matches none'} of [${this.machines.map((m) => m.logicalId).join(', ')}]`,
      );
    return (found[0] as LocalStateMachine).arn;
  }

  machine(arn: string): LocalStateMachine {
    const machine = this.machines.find((m) => m.arn === arn);
    if (!machine) throw new SfnApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }

  execution(arn: string): LocalExecution {
    const execution = this.executions.get(arn);
    if (!execution) throw new SfnApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return execution;
  }

  /** All executions, newest first. */
  list(stateMachineArn: string, status?: string): LocalExecution[] {
    this.machine(stateMachineArn);
    return [...this.executions.values()]
      .filter((e) => e.stateMachineArn === stateMachineArn && (!status || e.status === status))
      .sort((a, b) => b.startDate.getTime() - a.startDate.getTime());
  }

  /**
   * StartExecution. A name already used by a RUNNING execution with the same input returns that execution
   * (Standard workflows' idempotent start); a different input, or a closed execution, is ExecutionAlreadyExists.
   */
  start(stateMachineArn: string, name?: string, input = '{}'): LocalExecution {
    const machine = this.machine(stateMachineArn);
    const executionName = name ?? crypto.randomUUID();
    if (invalidName(executionName)) throw new SfnApiError('InvalidName', `Invalid Name: '${executionName}'`);
    let parsed: Json;
    try {
      parsed = JSON.parse(input);
    } catch (error) {
      throw new SfnApiError(
        'InvalidExecutionInput',
        `Invalid State Machine Execution Input: ${(error as Error).message}`,
      );
    }
    if (Buffer.byteLength(input) > MAX_INPUT_BYTES)
      throw new SfnApiError('InvalidExecutionInput', 'Execution input exceeds the maximum size of 256 KB');
    const executionArn = `arn:aws:states:${REGION}:${ACCOUNT_ID}:${machine.type === 'EXPRESS' ? 'express' : 'execution'}:${machine.name}:${executionName}`;
    const existing = this.executions.get(executionArn);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === input) return existing;
      throw new SfnApiError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const engine = this.engines.get(machine.arn);
    if (!engine)
      throw new SfnApiError(
        'InvalidDefinition',
        `state machine ${machine.name} cannot run locally: ${machine.problems.join('; ')}`,
      );

    const controller = new AbortController();
    const run = engine.run(parsed, {
      overrides: {
        taskResourceLocalHandlers: taskHandlers(machine.tasks, this.deps, {
          signal: controller.signal,
          tokens: this.tokens,
        }),
      },
      context: {
        Execution: { Id: executionArn, Name: executionName, RoleArn: machine.roleArn, RedriveCount: 0 },
        StateMachine: { Id: machine.arn, Name: machine.name },
      },
    });
    const execution: LocalExecution = {
      executionArn,
      stateMachineArn,
      name: executionName,
      input,
      status: 'RUNNING',
      startDate: new Date(),
      history: [],
      done: Promise.resolve(),
    };
    this.executions.set(executionArn, execution);
    this.running.set(executionArn, { abort: run.abort, controller });
    void (async () => {
      for await (const event of run.eventLogs) recordEvent(execution.history, event);
    })().catch(() => undefined);

    execution.done = run.result.then(
      (output) => this.finish(execution, 'SUCCEEDED', { output: JSON.stringify(output ?? null) }),
      (error) => {
        if (error instanceof ExecutionAbortedError) return this.finish(execution, 'ABORTED', {});
        if (error instanceof ExecutionTimeoutError)
          return this.finish(execution, 'TIMED_OUT', {
            error: 'States.Timeout',
            cause: 'The execution ran longer than its TimeoutSeconds',
          });
        const cause = error instanceof ExecutionError ? (error.cause as Error) : (error as Error);
        return this.finish(execution, 'FAILED', {
          error: cause?.name ?? 'States.Runtime',
          cause: cause?.message ?? String(error),
        });
      },
    );
    this.log(`execution ${executionArn} started`);
    return execution;
  }

  /** StopExecution: aborts the run and kills its containers; the execution ends ABORTED. */
  async stop(executionArn: string, error?: string, cause?: string): Promise<LocalExecution> {
    const execution = this.execution(executionArn);
    const running = this.running.get(executionArn);
    if (running && execution.status === 'RUNNING') {
      execution.error = error;
      execution.cause = cause;
      running.abort();
      running.controller.abort();
      await execution.done;
    }
    return execution;
  }

  private async finish(
    execution: LocalExecution,
    status: ExecutionStatus,
    result: { output?: string; error?: string; cause?: string },
  ): Promise<void> {
    // Kills containers the execution left behind (a Task that timed out, a stop) and waits for them.
    const running = this.running.get(execution.executionArn);
    if (running) {
      running.controller.abort();
      await this.deps.ecs.drain(running.controller.signal);
    }
    execution.status = status;
    execution.stopDate = new Date();
    if (status !== 'ABORTED') Object.assign(execution, result);
    this.running.delete(execution.executionArn);
    this.log(
      `execution ${execution.executionArn} ${status}${execution.error ? ` ${execution.error}: ${execution.cause}` : ''}`,
    );
  }

  /** Stops every running execution and every container. */
  async stopAll(): Promise<void> {
    await Promise.all(
      [...this.running.keys()].map((arn) => this.stop(arn, 'States.Aborted', 'local stack stopped')),
    );
    await this.deps.ecs.stop();
  }
}
