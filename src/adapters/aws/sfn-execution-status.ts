import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { ExecutionStatus } from '../../core/ports.js';

/** DescribeExecution as the reconciler needs it: running, ended (when), or missing. */
export async function executionStatus(sfn: SFNClient, executionArn: string): Promise<ExecutionStatus> {
  try {
    const out = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (out.status === 'RUNNING' || out.status === 'PENDING_REDRIVE') return { state: 'running' };
    return { state: 'ended', stoppedAt: out.stopDate?.getTime() ?? Date.now() };
  } catch (error) {
    if ((error as Error).name === 'ExecutionDoesNotExist') return { state: 'missing' };
    throw error;
  }
}
