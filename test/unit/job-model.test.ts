import { describe, expect, it } from 'vitest';
import {
  ALLOWED_FROM,
  canTransition,
  JobStatus,
  SubmitJobRequest,
  UploadRequest,
} from '../../src/core/job.js';
import { isUnderTenant, outputKey, parseUploadKey, uploadKey } from '../../src/core/keys.js';
import { resolveOutputs } from '../../src/presets/presets.js';

describe('job state machine', () => {
  it('never leaves a terminal state except by retry to QUEUED', () => {
    for (const to of Object.values(JobStatus)) {
      expect(canTransition('COMPLETED', to)).toBe(false);
      expect(canTransition('FAILED', to)).toBe(to === 'QUEUED');
      expect(canTransition('CANCELLED', to)).toBe(to === 'QUEUED');
    }
  });

  it('allows cancel from every non-terminal state and completion only from PROCESSING', () => {
    expect(ALLOWED_FROM.CANCELLED).toEqual(['AWAITING_UPLOAD', 'PENDING', 'QUEUED', 'PROCESSING']);
    expect(ALLOWED_FROM.COMPLETED).toEqual(['PROCESSING']);
  });

  it('starts a batch job only from its slot (PENDING -> QUEUED); workers never claim a PENDING job', () => {
    expect(ALLOWED_FROM.PENDING).toEqual([]);
    expect(canTransition('PENDING', 'QUEUED')).toBe(true);
    expect(canTransition('PENDING', 'PROCESSING')).toBe(false);
    expect(canTransition('PENDING', 'COMPLETED')).toBe(false);
    expect(canTransition('PENDING', 'FAILED')).toBe(true);
  });
});

describe('requests', () => {
  it('applies defaults: web preset, normal priority, strip metadata', () => {
    const parsed = UploadRequest.parse({ fileName: 'a.jpg', contentType: 'image/jpeg', size: 10 });
    expect(parsed).toMatchObject({ outputs: { preset: 'web' }, priority: 'normal', metadataPolicy: 'strip' });
  });

  it('rejects unknown fields, bad priorities, non-https webhooks and empty spec lists', () => {
    const base = { source: { key: 't/a/x.jpg' } };
    expect(SubmitJobRequest.safeParse({ ...base, tenant: 'other' }).success).toBe(false);
    expect(SubmitJobRequest.safeParse({ ...base, priority: 'asap' }).success).toBe(false);
    expect(SubmitJobRequest.safeParse({ ...base, webhookUrl: 'http://example.com/hook' }).success).toBe(
      false,
    );
    expect(SubmitJobRequest.safeParse({ ...base, outputs: { specs: [] } }).success).toBe(false);
  });

  it('resolves presets to their output specs', () => {
    expect(resolveOutputs({ preset: 'thumbnail' }).map((spec) => spec.name)).toEqual(['thumb', 'thumb-webp']);
  });
});

describe('keys', () => {
  const jobId = '01JZ5Y8Q9W3E4R5T6Y7V8H9K0P';

  it('round-trips upload keys and sanitises file names', () => {
    const key = uploadKey('acme', jobId, '../../etc/my photo.jpg', 'urgent');
    expect(key).toBe(`uploads/urgent/t/acme/${jobId}/my_photo.jpg`);
    expect(parseUploadKey(key)).toEqual({
      priority: 'urgent',
      tenant: 'acme',
      jobId,
      fileName: 'my_photo.jpg',
    });
    expect(uploadKey('acme', jobId, 'a.jpg')).toBe(`uploads/normal/t/acme/${jobId}/a.jpg`);
  });

  it('scopes keys to the tenant prefix', () => {
    expect(isUnderTenant('acme', `t/acme/library/a.jpg`)).toBe(true);
    expect(isUnderTenant('acme', `uploads/low/t/acme/${jobId}/a.jpg`)).toBe(true);
    expect(isUnderTenant('acme', `uploads/low/t/acme-evil/${jobId}/a.jpg`)).toBe(false);
    expect(isUnderTenant('acme', `t/acme-evil/uploads/${jobId}/a.jpg`)).toBe(false);
    expect(isUnderTenant('acme', `uploads/whenever/t/acme/${jobId}/a.jpg`)).toBe(false);
    expect(isUnderTenant('acme', 't/other/a.jpg')).toBe(false);
    expect(isUnderTenant('acme', 't/acme/../other/a.jpg')).toBe(false);
    expect(parseUploadKey('t/acme/elsewhere/a.jpg')).toBeUndefined();
    expect(parseUploadKey(`uploads/normal/t/acme/${jobId}/sub/a.jpg`)).toBeUndefined();
  });

  it('makes output keys deterministic', () => {
    expect(outputKey('acme', jobId, 'thumb', 'jpg')).toBe(`t/acme/jobs/${jobId}/thumb.jpg`);
  });
});
