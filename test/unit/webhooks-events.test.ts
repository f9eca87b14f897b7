/** The versioned job-event schema (src/core/events.ts) and its progress milestones. */
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/contract/events.js';
import { buildJobEvent, JobEvent, jobEventId, progressMilestone } from '../../src/core/events.js';
import type { Job } from '../../src/core/job.js';

const job = (over: Partial<Job> = {}): Job => ({
  tenant: 'acme',
  jobId: '01JOB',
  status: 'PROCESSING',
  stage: 'encode',
  progress: 40,
  request: { outputs: { preset: 'web' }, priority: 'normal', metadataPolicy: 'strip' },
  source: { bucket: 'uploads', key: 't/acme/in.jpg' },
  attempt: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:01.000Z',
  ...over,
});
const occurredAt = '2026-01-01T00:00:02.000Z';
const urlFor = (o: { key: string }) => `https://outputs.example.com/${o.key}?sig=x`;

describe('progressMilestone', () => {
  it.each([
    [0, 24, undefined],
    [0, 25, 25],
    [24, 26, 25],
    [25, 49, undefined],
    [49, 50, 50],
    [10, 80, 75],
    [74, 100, 75],
    [75, 100, undefined],
    [60, 40, undefined],
    [50, 50, undefined],
  ])('%i → %i crosses %s', (prev, next, expected) => {
    expect(progressMilestone(prev, next)).toBe(expected);
  });
});

describe('job events', () => {
  it('names every job and batch event type', () => {
    expect(EVENT_TYPES).toContain('media.job.retrying');
    expect(EVENT_TYPES).toContain('media.batch.completed');
    expect(EVENT_TYPES.filter((t) => t.startsWith('media.job.'))).toHaveLength(7);
  });

  it('completed carries the snapshot and outputs with URLs', () => {
    const done = job({
      status: 'COMPLETED',
      stage: 'done',
      progress: 100,
      outputs: [
        { name: 'web', key: 't/acme/out/web.webp', format: 'webp', width: 1280, height: 960, bytes: 1234 },
      ],
    });
    const event = buildJobEvent('media.job.completed', done, { occurredAt, urlFor });
    expect(event).toEqual({
      type: 'media.job.completed',
      detail: {
        version: '1',
        eventId: 'evt_01JOB_1_completed',
        tenant: 'acme',
        occurredAt,
        job: { id: '01JOB', status: 'COMPLETED', stage: 'done', progress: 100, attempt: 1 },
        outputs: [
          {
            name: 'web',
            format: 'webp',
            key: 't/acme/out/web.webp',
            url: 'https://outputs.example.com/t/acme/out/web.webp?sig=x',
            width: 1280,
            height: 960,
            bytes: 1234,
          },
        ],
      },
    });
    expect(() => buildJobEvent('media.job.completed', done, { occurredAt })).toThrow(/urlFor/);
  });

  it('failed carries the error code and message, not the retryable flag', () => {
    const failed = job({
      status: 'FAILED',
      error: { code: 'CORRUPT_MEDIA', message: 'truncated JPEG', retryable: false },
    });
    const event = buildJobEvent('media.job.failed', failed, { occurredAt });
    expect(event.detail.error).toEqual({ code: 'CORRUPT_MEDIA', message: 'truncated JPEG' });
    expect(event.detail.outputs).toBeUndefined();
  });

  it('progress events carry the milestone and a per-milestone id', () => {
    const event = buildJobEvent('media.job.progress', job({ progress: 53 }), { occurredAt, milestone: 50 });
    expect(event.detail.job.progress).toBe(50);
    expect(event.detail.eventId).toBe('evt_01JOB_1_progress_50');
    expect(() => buildJobEvent('media.job.progress', job({ progress: 53 }), { occurredAt })).toThrow(
      /25\/50\/75/,
    );
  });

  it('ids are deterministic per job, attempt and change, so a republish keeps the webhook-id', () => {
    expect(jobEventId({ jobId: 'j', attempt: 2 }, 'media.job.started')).toBe('evt_j_2_started');
    const a = buildJobEvent('media.job.started', job(), { occurredAt });
    const b = buildJobEvent('media.job.started', job(), { occurredAt: '2026-01-01T00:09:00.000Z' });
    expect(a.detail.eventId).toBe(b.detail.eventId);
    expect(buildJobEvent('media.job.started', job({ attempt: 2 }), { occurredAt }).detail.eventId).not.toBe(
      a.detail.eventId,
    );
  });

  it('rejects inconsistent events', () => {
    const detail = buildJobEvent('media.job.started', job(), { occurredAt }).detail;
    expect(JobEvent.safeParse({ type: 'media.job.completed', detail }).success).toBe(false); // status, outputs
    expect(
      JobEvent.safeParse({
        type: 'media.job.failed',
        detail: { ...detail, job: { ...detail.job, status: 'FAILED' } },
      }).success,
    ).toBe(false); // no error
    expect(
      JobEvent.safeParse({ type: 'media.job.started', detail: { ...detail, version: '2' } }).success,
    ).toBe(false);
    expect(JobEvent.safeParse({ type: 'media.job.started', detail: { ...detail, extra: 1 } }).success).toBe(
      false,
    );
    expect(JobEvent.safeParse({ type: 'media.job.exploded', detail }).success).toBe(false);
    expect(() => buildJobEvent('media.job.cancelled', job(), { occurredAt })).toThrow(/status/);
  });

  it('retrying carries the error that caused the retry when there is one', () => {
    const retrying = job({
      status: 'QUEUED',
      error: { code: 'TRANSIENT', message: 'S3 503', retryable: true },
    });
    expect(buildJobEvent('media.job.retrying', retrying, { occurredAt }).detail.error).toEqual({
      code: 'TRANSIENT',
      message: 'S3 503',
    });
    expect(
      buildJobEvent('media.job.queued', job({ status: 'QUEUED' }), { occurredAt }).detail.error,
    ).toBeUndefined();
  });
});
