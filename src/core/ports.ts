import type { JobEventType, ProgressMilestone } from '../contract/events.js';
import type { PipelineEvent } from './events.js';
import type { Job, JobStatus, Priority } from './job.js';

/** Thrown by a store when a conditional write finds the job in a state it may not leave. */
export class ConditionFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConditionFailedError';
  }
}

export interface TransitionOptions {
  /** Attributes to set together with the new status. */
  set?: Partial<Omit<Job, 'tenant' | 'jobId' | 'status'>>;
  /** Only if the job's attempt is still this one (fencing token of the worker that claimed it). */
  attempt?: number;
  /** Narrows ALLOWED_FROM[to] to these statuses (e.g. a retry only from FAILED or CANCELLED). */
  from?: readonly JobStatus[];
  /**
   * The event the change records in the job's outbox (same write). Default: by target status (see
   * eventTypeForTransition); null records none.
   */
  event?: JobEventType | null;
}

export interface ProgressOptions {
  /** The progress milestone this update crosses (the caller knows its previous progress): records a progress event. */
  milestone?: ProgressMilestone;
  /** Seconds left, stored with the progress (video transcodes). */
  etaSeconds?: number;
}

/**
 * Runs a video/audio job's transcode outside the worker (Step Functions + a Fargate task in AWS). One
 * execution per job attempt, named after the job, so a duplicate start is a no-op.
 */
export interface VideoOrchestrator {
  /** The execution ARN `start` will use for this attempt (recorded on the job before starting). */
  executionArnFor(jobId: string, attempt: number): string;
  /** Starts it; an execution of that name already running is success. */
  start(job: { tenant: string; jobId: string; attempt: number }): Promise<string>;
  /** Stops it (and with it the task); a finished or unknown execution is not an error. */
  stop(executionArn: string, cause: string): Promise<void>;
  /**
   * Whether the execution still runs: `ended` with its stop time, or `missing` (never started, or lost
   * with a local runtime's memory).
   */
  status(executionArn: string): Promise<ExecutionStatus>;
}

/** A Step Functions execution as the reconciler sees it. */
export type ExecutionStatus =
  | { state: 'running' }
  | { state: 'ended'; stoppedAt: number }
  | { state: 'missing' };

export interface ListPage {
  jobs: Job[];
  cursor?: string;
}

export interface JobStore {
  /** Creates the job; false if a job with that id already exists. */
  create(job: Job): Promise<boolean>;
  get(tenant: string, jobId: string): Promise<Job | undefined>;
  /** Newest first. */
  list(tenant: string, options: { limit: number; cursor?: string }): Promise<ListPage>;
  /** Conditional on ALLOWED_FROM[to]; throws ConditionFailedError otherwise. */
  transition(tenant: string, jobId: string, to: JobStatus, options?: TransitionOptions): Promise<Job>;
  /**
   * Takes the job for processing: from AWAITING_UPLOAD/QUEUED, or from PROCESSING whose lease
   * has expired (the previous worker died). Increments the attempt. Undefined if not claimable.
   */
  claim(
    tenant: string,
    jobId: string,
    leaseMs: number,
    now?: number,
    /** The attempt the caller read: the claim then also requires it (and records it exactly). */
    expectedAttempt?: number,
  ): Promise<Job | undefined>;
  /**
   * The worker's heartbeat: the lease of a PROCESSING job under `attempt` runs until `now + leaseMs`.
   * False when the job is no longer that attempt's (cancelled, finished, taken over).
   */
  extendLease(tenant: string, jobId: string, attempt: number, leaseMs: number): Promise<boolean>;
  /** Monotonic: never lowers progress, only while PROCESSING under the given attempt. */
  reportProgress(
    tenant: string,
    jobId: string,
    attempt: number,
    stage: string,
    progress: number,
    options?: ProgressOptions,
  ): Promise<boolean>;
  /** The tenant's unfinished jobs, counted up to `upTo` (reads stop there). */
  countActive(tenant: string, upTo: number): Promise<number>;
  /** Stores key -> jobId unless present; returns what is stored. */
  reserveIdempotencyKey(
    tenant: string,
    key: string,
    jobId: string,
    requestHash: string,
  ): Promise<{ jobId: string; requestHash: string }>;
}

export interface ReadOptions {
  /** Called with each chunk as it is read (e.g. to hash the object in the same pass). */
  onChunk?: (chunk: Uint8Array) => void;
}

export interface ObjectHead {
  size: number;
  contentType?: string;
  etag?: string;
}

export interface PresignedPost {
  url: string;
  fields: Record<string, string>;
  expiresAt: string;
}

export interface ObjectStore {
  head(bucket: string, key: string): Promise<ObjectHead | undefined>;
  /** Bytes [start, end] inclusive; fewer if the object is shorter. */
  readRange(bucket: string, key: string, start: number, end: number): Promise<Buffer>;
  read(bucket: string, key: string, options?: ReadOptions): Promise<Buffer>;
  write(
    bucket: string,
    key: string,
    body: Buffer | NodeJS.ReadableStream,
    contentType: string,
  ): Promise<void>;
  presignPost(input: {
    bucket: string;
    key: string;
    contentType: string;
    maxBytes: number;
    expiresInSeconds: number;
  }): Promise<PresignedPost>;
  presignGet(bucket: string, key: string, expiresInSeconds: number): Promise<string>;
  /** Streams the object into a local file (video sources: never whole in memory); returns its size. */
  download(bucket: string, key: string, path: string, options?: { signal?: AbortSignal }): Promise<number>;
  /** Deletes every object under the prefix; returns how many. */
  deletePrefix(bucket: string, prefix: string): Promise<number>;
}

/** Hands a job to the workers (the ingest queue in AWS). */
export interface JobQueue {
  /** Onto the queue of the job's priority. */
  enqueue(message: { tenant: string; jobId: string; priority: Priority }): Promise<void>;
}

/** Publishes events (EventBridge PutEvents in AWS); throws when any could not be published. */
export interface EventPublisher {
  publish(events: readonly PipelineEvent[]): Promise<void>;
}

/** The jobs' outboxes: events recorded with state changes, removed once published. */
export interface JobOutbox {
  /** Removes published entries; the job leaves the pending index when its outbox is empty. */
  clear(tenant: string, jobId: string, keys: readonly string[]): Promise<void>;
  /**
   * Jobs with entries pending since before `olderThan` (ISO time), up to `limit`. The scan resumes where
   * the previous call stopped, and starts from the top again once it has reached the end.
   */
  pending(olderThan: string, limit: number): Promise<{ tenant: string; jobId: string }[]>;
  /**
   * A publish of this job's outbox failed: it is looked at again after a backoff (`retryAt`, ISO), and
   * after `maxFailures` failures it leaves the pending index (parked: a poison entry cannot hold the
   * sweeper's scan). Returns the failures so far and whether it was parked.
   */
  deferFailed(
    tenant: string,
    jobId: string,
    retryAt: string,
    maxFailures: number,
  ): Promise<{ failures: number; parked: boolean }>;
}
