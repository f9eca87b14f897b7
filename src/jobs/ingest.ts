import { parseUploadKey } from '../core/keys.js';
import { type ProcessDeps, type ProcessOutcome, processJob } from './process-job.js';

/** What arrives on the ingest queue: an S3 upload event, or a job submitted through the API. */
export type IngestMessage =
  | { kind: 'upload'; bucket: string; key: string; size?: number; eTag?: string }
  | { kind: 'job'; tenant: string; jobId: string };

export type IngestOutcome = ProcessOutcome | { result: 'ignored'; reason: string };

export interface IngestDeps extends ProcessDeps {
  uploadsBucket: string;
}

/**
 * Routes one message to its job. An upload event finds the job by the key layout
 * (t/{tenant}/uploads/{jobId}/...), so a duplicate event lands on the same job, whose claim
 * then refuses to run twice.
 */
export async function ingest(deps: IngestDeps, message: IngestMessage): Promise<IngestOutcome> {
  if (message.kind === 'job') return processJob(deps, message.tenant, message.jobId);
  if (message.bucket !== deps.uploadsBucket)
    return { result: 'ignored', reason: `unexpected bucket ${message.bucket}` };
  const parsed = parseUploadKey(message.key);
  if (!parsed) return { result: 'ignored', reason: `key ${message.key} is not an upload key` };
  const job = await deps.jobs.get(parsed.tenant, parsed.jobId);
  if (!job) return { result: 'ignored', reason: `no job ${parsed.jobId} for key ${message.key}` };
  if (job.source.key !== message.key) {
    return { result: 'ignored', reason: `key ${message.key} is not the source of job ${job.jobId}` };
  }
  return processJob(deps, parsed.tenant, parsed.jobId, job);
}
