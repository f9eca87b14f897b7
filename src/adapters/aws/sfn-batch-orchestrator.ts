import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { BatchOrchestrator, TaskCallbacks } from '../../batches/ports.js';
import type { ExecutionStatus } from '../../core/ports.js';
import { executionStatus } from './sfn-execution-status.js';

export interface SfnBatchOrchestratorOptions {
  stateMachineArn: string;
  /** The role EventBridge Scheduler assumes to start the execution at `startAt`. */
  schedulerRoleArn?: string;
  scheduleGroup?: string;
  sfn?: SFNClient;
  scheduler?: SchedulerClient;
}

/** The schedule's name for a batch (unique per batch, within the 64-character limit). */
export const batchScheduleName = (batchId: string) => `batch-${batchId}`;

/** A batch's execution name per run: the batch id, then `-r{n}` for the reconciler's restarts. */
export const batchExecutionName = (batchId: string, run = 0) => (run > 0 ? `${batchId}-r${run}` : batchId);

/**
 * One Standard execution per batch, named after the batch (a second start is a no-op); a batch with a
 * future `startAt` gets a one-time EventBridge Scheduler schedule that starts it and deletes itself.
 */
export class SfnBatchOrchestrator implements BatchOrchestrator {
  private readonly sfn: SFNClient;
  private readonly scheduler: SchedulerClient;

  constructor(private readonly options: SfnBatchOrchestratorOptions) {
    this.sfn = options.sfn ?? new SFNClient({});
    this.scheduler = options.scheduler ?? new SchedulerClient({});
  }

  async start(tenant: string, batchId: string, run = 0): Promise<void> {
    try {
      await this.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: this.options.stateMachineArn,
          name: batchExecutionName(batchId, run),
          input: JSON.stringify({ tenant, batchId }),
        }),
      );
    } catch (error) {
      // The same name with the same input is idempotent in AWS; a different input is refused: both mean "started".
      if ((error as Error).name !== 'ExecutionAlreadyExists') throw error;
    }
  }

  executionArnFor(batchId: string, run: number): string {
    const arn = this.options.stateMachineArn.replace(':stateMachine:', ':execution:');
    return `${arn}:${batchExecutionName(batchId, run)}`;
  }

  status(executionArn: string): Promise<ExecutionStatus> {
    return executionStatus(this.sfn, executionArn);
  }

  async schedule(tenant: string, batchId: string, at: Date): Promise<void> {
    if (!this.options.schedulerRoleArn) throw new Error('scheduling a batch needs the scheduler role');
    try {
      await this.scheduler.send(
        new CreateScheduleCommand({
          Name: batchScheduleName(batchId),
          GroupName: this.options.scheduleGroup,
          ScheduleExpression: `at(${at.toISOString().slice(0, 19)})`,
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          Target: {
            Arn: this.options.stateMachineArn,
            RoleArn: this.options.schedulerRoleArn,
            Input: JSON.stringify({ tenant, batchId }),
            RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
          },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConflictException)) throw error;
    }
  }

  async unschedule(batchId: string): Promise<void> {
    try {
      await this.scheduler.send(
        new DeleteScheduleCommand({
          Name: batchScheduleName(batchId),
          GroupName: this.options.scheduleGroup,
        }),
      );
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }
}

/** SendTaskSuccess; a token that timed out, was completed or belongs to a stopped execution gives false. */
export class SfnTaskCallbacks implements TaskCallbacks {
  private readonly sfn: SFNClient;

  constructor(sfn?: SFNClient) {
    this.sfn = sfn ?? new SFNClient({});
  }

  async succeed(taskToken: string, output: unknown): Promise<boolean> {
    try {
      await this.sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
      return true;
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TaskTimedOut' || name === 'TaskDoesNotExist' || name === 'InvalidToken') return false;
      throw error;
    }
  }
}
