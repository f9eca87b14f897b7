import type { Job } from '../core/job.js';
import type { ObjectStore } from '../core/ports.js';

export const OUTPUT_URL_TTL_SECONDS = 3600;

/** The public shape of a job: no internal fields (lease, attempt, pk/sk); output URLs presigned. */
export async function jobView(job: Job, objects: ObjectStore, outputsBucket: string) {
  const outputs = job.outputs
    ? await Promise.all(
        job.outputs.map(async (output) => ({
          ...output,
          url: await objects.presignGet(outputsBucket, output.key, OUTPUT_URL_TTL_SECONDS),
        })),
      )
    : undefined;
  return {
    id: job.jobId,
    status: job.status,
    stage: job.stage,
    progress: job.progress,
    etaSeconds: job.status === 'PROCESSING' ? job.etaSeconds : undefined,
    priority: job.request.priority,
    batch: job.batch
      ? { id: job.batch.batchId, ref: job.batch.ref, dependsOn: job.batch.dependsOn }
      : undefined,
    // Image outputs (with their default) mean nothing once the upload turned out to be video or audio.
    outputsRequested: job.executionArn ? undefined : job.request.outputs,
    videoRequested: job.request.video,
    metadataPolicy: job.request.metadataPolicy,
    metadata: job.request.metadata,
    source: { key: job.source.key, size: job.source.size, contentType: job.source.contentType },
    sourceMetadata: job.sourceMetadata,
    placeholder: job.placeholder,
    hashes: job.hashes,
    duplicates: job.duplicates,
    outputs,
    error: job.error
      ? {
          type: `https://media-pipeline.dev/problems/${job.error.code.toLowerCase().replace(/_/g, '-')}`,
          title: job.error.code,
          code: job.error.code,
          detail: job.error.message,
          retryable: job.error.retryable,
        }
      : undefined,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    queuedAt: job.queuedAt,
    startedAt: job.startedAt,
    completedAt: job.completedAt,
  };
}
export type JobView = Awaited<ReturnType<typeof jobView>>;
