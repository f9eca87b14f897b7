import { Duration } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { StageConfig } from '../config.js';

/** Capacity retries wait at most this long each (Retry MaxDelaySeconds). */
export const MAX_CAPACITY_RETRY_DELAY_SECONDS = 300;

/**
 * The longest an execution may legitimately run: every task attempt at its timeout, the longest waits
 * of both retry policies (exponential, capped for capacity), and 30 minutes for the Lambda steps. Past
 * it, the execution times out and the job's claim expires soon after (the video lease).
 */
export function videoExecutionTimeout(config: StageConfig): Duration {
  const { taskTimeoutMinutes, taskFailedRetries, capacityRetries, retryIntervalSeconds } = config.video;
  const waits = (retries: number, cap: number) =>
    Array.from({ length: retries }, (_, i) => Math.min(retryIntervalSeconds * 2 ** i, cap)).reduce(
      (sum, seconds) => sum + seconds,
      0,
    );
  const retryWaitSeconds =
    waits(capacityRetries, MAX_CAPACITY_RETRY_DELAY_SECONDS) +
    waits(taskFailedRetries, Number.POSITIVE_INFINITY);
  const taskSeconds = taskTimeoutMinutes * 60 * (1 + taskFailedRetries);
  return Duration.seconds(taskSeconds + Math.ceil(retryWaitSeconds) + 30 * 60);
}

/**
 * Video outputs live under t/{tenant}/jobs/{jobId}/ and are written and, for a failed or cancelled job,
 * deleted (listed by that prefix) there; the transcoder's result documents live under work/.
 */
export function grantOutputs(
  grantee: IGrantable,
  outputs: IBucket,
  options: { writeResults?: boolean; readResults?: boolean },
): void {
  const policy = grantee.grantPrincipal;
  policy.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
      resources: [outputs.arnForObjects('t/*')],
    }),
  );
  // Listing: deletePrefix, and a HEAD of a missing key answering 404 rather than 403.
  policy.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [outputs.bucketArn],
      conditions: { StringLike: { 's3:prefix': options.readResults ? ['t/*', 'work/*'] : ['t/*'] } },
    }),
  );
  if (options.writeResults)
    policy.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['s3:PutObject'], resources: [outputs.arnForObjects('work/*')] }),
    );
  if (options.readResults)
    policy.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['s3:GetObject'], resources: [outputs.arnForObjects('work/*')] }),
    );
}
