import { z } from 'zod';
import type { ErrorCode } from './errors.js';

export const JobStatus = {
  AWAITING_UPLOAD: 'AWAITING_UPLOAD',
  QUEUED: 'QUEUED',
  PROCESSING: 'PROCESSING',
  COMPLETED: 'COMPLETED',
  FAILED: 'FAILED',
  CANCELLED: 'CANCELLED',
} as const;
export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];

export const TERMINAL_STATUSES: readonly JobStatus[] = ['COMPLETED', 'FAILED', 'CANCELLED'];

/**
 * The allowed previous states of each target state. Every store write is a conditional
 * update on exactly this list, so two actors can never both move a job.
 * PROCESSING -> PROCESSING is a lease takeover after a worker died (guarded by the lease).
 * FAILED/CANCELLED -> QUEUED is a retry.
 */
export const ALLOWED_FROM: Record<JobStatus, readonly JobStatus[]> = {
  AWAITING_UPLOAD: [],
  QUEUED: ['AWAITING_UPLOAD', 'FAILED', 'CANCELLED'],
  PROCESSING: ['AWAITING_UPLOAD', 'QUEUED', 'PROCESSING'],
  COMPLETED: ['PROCESSING'],
  FAILED: ['AWAITING_UPLOAD', 'QUEUED', 'PROCESSING'],
  CANCELLED: ['AWAITING_UPLOAD', 'QUEUED', 'PROCESSING'],
};

export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return ALLOWED_FROM[to].includes(from);
}

export const isTerminal = (status: JobStatus) => TERMINAL_STATUSES.includes(status);

export const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;
export const Priority = z.enum(PRIORITIES);
export type Priority = z.infer<typeof Priority>;

export const MetadataPolicy = z.enum(['strip', 'preserve', 'selective']);
export type MetadataPolicy = z.infer<typeof MetadataPolicy>;

export const ImageFormat = z.enum(['jpeg', 'png', 'webp', 'avif']);
export type ImageFormat = z.infer<typeof ImageFormat>;

/** v1 output spec; the full image capability extends it. */
export const OutputSpec = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes'),
    format: ImageFormat,
    width: z.number().int().min(1).max(8192).optional(),
    height: z.number().int().min(1).max(8192).optional(),
    fit: z.enum(['cover', 'contain', 'fill', 'inside', 'outside']).default('inside'),
    quality: z.number().int().min(1).max(100).optional(),
  })
  .strict();
export type OutputSpec = z.infer<typeof OutputSpec>;

export const PresetName = z.enum(['thumbnail', 'web']);
export type PresetName = z.infer<typeof PresetName>;

export const Outputs = z.union([
  z.object({ preset: PresetName }).strict(),
  z.object({ specs: z.array(OutputSpec).min(1).max(20) }).strict(),
]);
export type Outputs = z.infer<typeof Outputs>;

const TenantId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/);

/** What a client may ask for; the tenant comes from the API key, never from the body. */
export const JobRequest = z
  .object({
    outputs: Outputs.default({ preset: 'web' }),
    priority: Priority.default('normal'),
    metadataPolicy: MetadataPolicy.default('strip'),
    webhookUrl: z.url({ protocol: /^https$/ }).optional(),
    metadata: z.record(z.string(), z.string().max(256)).optional(),
  })
  .strict();
export type JobRequest = z.infer<typeof JobRequest>;

export const UploadRequest = JobRequest.extend({
  fileName: z.string().min(1).max(255),
  contentType: z.string().regex(/^[\w.+-]+\/[\w.+-]+$/),
  size: z.number().int().min(1),
}).strict();
export type UploadRequest = z.infer<typeof UploadRequest>;

export const SubmitJobRequest = JobRequest.extend({
  source: z.object({ key: z.string().min(1).max(1024) }).strict(),
}).strict();
export type SubmitJobRequest = z.infer<typeof SubmitJobRequest>;

export interface SourceObject {
  bucket: string;
  key: string;
  size?: number;
  contentType?: string;
  etag?: string;
}

export interface OutputRecord {
  name: string;
  key: string;
  format: string;
  width: number;
  height: number;
  bytes: number;
}

export interface SourceMetadata {
  format: string;
  width: number;
  height: number;
  orientation?: number;
  space?: string;
  hasAlpha?: boolean;
  bytes: number;
  /** What the magic bytes say, and what the client declared (they may disagree; the bytes win). */
  detectedType?: string;
  declaredType?: string;
}

export interface JobError {
  code: ErrorCode;
  message: string;
  retryable: boolean;
}

export interface Job {
  tenant: string;
  jobId: string;
  status: JobStatus;
  stage: string;
  progress: number;
  request: JobRequest;
  source: SourceObject;
  idempotencyKey?: string;
  attempt: number;
  leaseUntil?: number;
  outputs?: OutputRecord[];
  sourceMetadata?: SourceMetadata;
  error?: JobError;
  createdAt: string;
  updatedAt: string;
  completedAt?: string;
}

export { TenantId };
