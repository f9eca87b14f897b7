import type { Priority } from '../core/job.js';

/** A job whose ingest message the queue gave up on (moved to the dead-letter queue), kept until redriven. */
export interface DeadLetter {
  tenant: string;
  jobId: string;
  priority: Priority;
  deadLetteredAt: string;
  reason: string;
}

export interface DeadLetterStore {
  /** Records it (again: idempotent per job). */
  put(deadLetter: DeadLetter): Promise<void>;
  /** Oldest job first. Throws an error named InvalidCursorError for a cursor it did not issue. */
  list(
    tenant: string,
    options: { limit: number; cursor?: string },
  ): Promise<{ deadLetters: DeadLetter[]; cursor?: string }>;
  /** The tenant's dead letters, counted up to `upTo` (reads stop there). */
  count(tenant: string, upTo: number): Promise<number>;
  remove(tenant: string, jobId: string): Promise<void>;
}

export interface QueueDepth {
  /** Waiting to be received. */
  visible: number;
  /** Received and not yet deleted (being worked on, or waiting out a retry backoff). */
  inFlight: number;
  delayed: number;
}

/** The stage's queues (shared by every tenant): the job queue of each priority and the ingest dead-letter queue. */
export interface QueueStats {
  depths(): Promise<{ jobs: Record<Priority, QueueDepth>; deadLetter: QueueDepth }>;
}
