import { TenantId } from '../../core/job.js';
import { MalformedEventError, parseS3EventMessage } from './s3-events.js';

const JOB_ID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** Structurally the `IngestMessage` of src/jobs/ingest.ts (adapters depend on core only). */
export type IngestQueueMessage =
  | { kind: 'upload'; bucket: string; key: string; size?: number; eTag?: string }
  | { kind: 'job'; tenant: string; jobId: string };

/**
 * The ingest queue carries two kinds of bodies: S3 event notifications for uploads, and
 * `{ kind: 'job', tenant, jobId }` from SqsJobQueue for jobs submitted through the API.
 * Only ObjectCreated events become upload messages; the s3:TestEvent and other event types yield
 * nothing. A body that is neither throws MalformedEventError.
 */
export function parseIngestMessages(body: string): IngestQueueMessage[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new MalformedEventError('message body is not JSON', { cause: error });
  }
  if (typeof parsed === 'object' && parsed !== null && (parsed as { kind?: unknown }).kind === 'job') {
    const { tenant, jobId } = parsed as { tenant?: unknown; jobId?: unknown };
    if (typeof tenant !== 'string' || !TenantId.safeParse(tenant).success) {
      throw new MalformedEventError('job message has an invalid tenant');
    }
    if (typeof jobId !== 'string' || !JOB_ID_PATTERN.test(jobId)) {
      throw new MalformedEventError('job message has an invalid jobId');
    }
    return [{ kind: 'job', tenant, jobId }];
  }
  return parseS3EventMessage(body)
    .filter((event) => event.eventName.startsWith('ObjectCreated:'))
    .map(({ bucket, key, size, eTag }) => ({ kind: 'upload', bucket, key, size, eTag }));
}
