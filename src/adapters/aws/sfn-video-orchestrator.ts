import { SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import type { ExecutionStatus, VideoOrchestrator } from '../../core/ports.js';
import { executionStatus } from './sfn-execution-status.js';

/** The execution name of a job attempt: the job id, plus the attempt so a retried job can start again. */
export const videoExecutionName = (jobId: string, attempt: number) => `${jobId}-a${attempt}`;

/**
 * One Standard execution of the video state machine per job attempt. Starting the same name with the
 * same input is a no-op in Step Functions (ExecutionAlreadyExists is treated as started too).
 */
export class SfnVideoOrchestrator implements VideoOrchestrator {
  private readonly sfn: SFNClient;

  constructor(private readonly options: { stateMachineArn: string; sfn?: SFNClient }) {
    this.sfn = options.sfn ?? new SFNClient({});
  }

  executionArnFor(jobId: string, attempt: number): string {
    // arn:aws:states:region:account:stateMachine:name → …:execution:name:executionName
    const arn = this.options.stateMachineArn.replace(':stateMachine:', ':execution:');
    return `${arn}:${videoExecutionName(jobId, attempt)}`;
  }

  async start(job: { tenant: string; jobId: string; attempt: number }): Promise<string> {
    try {
      const started = await this.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: this.options.stateMachineArn,
          name: videoExecutionName(job.jobId, job.attempt),
          input: JSON.stringify({ tenant: job.tenant, jobId: job.jobId, attempt: job.attempt }),
        }),
      );
      return started.executionArn ?? this.executionArnFor(job.jobId, job.attempt);
    } catch (error) {
      if ((error as Error).name !== 'ExecutionAlreadyExists') throw error;
      return this.executionArnFor(job.jobId, job.attempt);
    }
  }

  async stop(executionArn: string, cause: string): Promise<void> {
    try {
      await this.sfn.send(new StopExecutionCommand({ executionArn, cause, error: 'JobCancelled' }));
    } catch (error) {
      // Already ended (Step Functions answers an ended execution's stop with success) or never started.
      if ((error as Error).name !== 'ExecutionDoesNotExist') throw error;
    }
  }

  status(executionArn: string): Promise<ExecutionStatus> {
    return executionStatus(this.sfn, executionArn);
  }
}
