import { z } from 'zod';
import type { JobEventType, ProgressMilestone } from '../contract/events.js';
import { PRIORITIES } from '../contract/queues.js';
import type { ErrorCode } from './errors.js';
import { VideoRequest } from './video-request.js';

export const JobStatus = {
  AWAITING_UPLOAD: 'AWAITING_UPLOAD',
  /** In a batch, waiting for one of the batch's slots (and for the jobs it depends on). */
  PENDING: 'PENDING',
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
 * FAILED/CANCELLED -> QUEUED is a retry; PENDING -> QUEUED is a batch slot starting the job, and
 * PENDING -> FAILED a job whose dependency failed. Workers never claim a PENDING job.
 */
export const ALLOWED_FROM: Record<JobStatus, readonly JobStatus[]> = {
  AWAITING_UPLOAD: [],
  PENDING: [],
  QUEUED: ['AWAITING_UPLOAD', 'PENDING', 'FAILED', 'CANCELLED'],
  PROCESSING: ['AWAITING_UPLOAD', 'QUEUED', 'PROCESSING'],
  COMPLETED: ['PROCESSING'],
  FAILED: ['AWAITING_UPLOAD', 'PENDING', 'QUEUED', 'PROCESSING'],
  CANCELLED: ['AWAITING_UPLOAD', 'PENDING', 'QUEUED', 'PROCESSING'],
};

export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return ALLOWED_FROM[to].includes(from);
}

export const isTerminal = (status: JobStatus) => TERMINAL_STATUSES.includes(status);

export const Priority = z.enum(PRIORITIES);
export type Priority = z.infer<typeof Priority>;

export const MetadataPolicy = z.enum(['strip', 'preserve', 'selective']);
export type MetadataPolicy = z.infer<typeof MetadataPolicy>;

export const ImageFormat = z.enum(['jpeg', 'png', 'webp', 'avif']);
export type ImageFormat = z.infer<typeof ImageFormat>;

export const QualityLevel = z.enum(['low', 'medium', 'high', 'max']);
export type QualityLevel = z.infer<typeof QualityLevel>;

export const CropPosition = z.enum([
  'centre',
  'center',
  'north',
  'northeast',
  'east',
  'southeast',
  'south',
  'southwest',
  'west',
  'northwest',
  // smart crop (cover only): the most "interesting" region (attention: luminance, saturation, skin
  // tones; entropy: most detail)
  'attention',
  'entropy',
]);
export type CropPosition = z.infer<typeof CropPosition>;

/** Encoder effort range per codec, in sharp's terms (higher = slower, smaller files). */
export const EFFORT_RANGE: Record<ImageFormat, readonly [number, number] | undefined> = {
  jpeg: undefined,
  png: [1, 10],
  webp: [0, 6],
  avif: [0, 9],
};

/**
 * One output rendition. Only `name`, `format` and `fit` are always present after parsing; every other
 * field is optional and defaulted by the image pipeline (see docs/images.md):
 * no enlargement unless `enlarge`, white background for flattening alpha into JPEG, quality 'high',
 * progressive JPEG, effort webp 4 / avif 4 / png 7, animation kept for WebP when the source is animated.
 */
export const OutputSpec = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes'),
    format: ImageFormat,
    width: z.number().int().min(1).max(8192).optional(),
    height: z.number().int().min(1).max(8192).optional(),
    fit: z.enum(['cover', 'contain', 'fill', 'inside', 'outside']).default('inside'),
    /** cover/contain: where to crop or place; attention/entropy = smart crop (cover only). */
    position: CropPosition.optional(),
    /** Allow upscaling beyond the source size (default false: never enlarge). */
    enlarge: z.boolean().optional(),
    /** Colour to flatten alpha onto (JPEG, or `contain` padding), #rrggbb. Default #ffffff. */
    background: z
      .string()
      .regex(/^#[0-9a-fA-F]{6}$/, 'a colour as #rrggbb')
      .optional(),
    /** A semantic level mapped per codec, or an explicit 1-100 override for this codec. */
    quality: z.union([QualityLevel, z.number().int().min(1).max(100)]).optional(),
    effort: z.number().int().min(0).max(10).optional(),
    /** JPEG only: progressive scan (default true) and mozjpeg trellis/quant tables (default false). */
    progressive: z.boolean().optional(),
    mozjpeg: z.boolean().optional(),
    /** PNG only: quantise to an 8-bit palette (much smaller, lossy). */
    palette: z.boolean().optional(),
    /** Keep an animated source animated where the format can (WebP). Default true. */
    animated: z.boolean().optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const range = EFFORT_RANGE[spec.format];
    if (spec.effort !== undefined && (!range || spec.effort < range[0] || spec.effort > range[1])) {
      ctx.addIssue({
        code: 'custom',
        path: ['effort'],
        message: range
          ? `effort for ${spec.format} is ${range[0]}-${range[1]}`
          : `${spec.format} has no effort`,
      });
    }
    const only = (field: 'progressive' | 'mozjpeg' | 'palette', format: ImageFormat) => {
      if (spec[field] !== undefined && spec.format !== format) {
        ctx.addIssue({ code: 'custom', path: [field], message: `${field} applies to ${format} only` });
      }
    };
    only('progressive', 'jpeg');
    only('mozjpeg', 'jpeg');
    only('palette', 'png');
    if ((spec.position === 'attention' || spec.position === 'entropy') && spec.fit !== 'cover') {
      ctx.addIssue({ code: 'custom', path: ['position'], message: 'smart crop needs fit "cover"' });
    }
  })
  // The id names the schema in the OpenAPI document (src/adapters/http/openapi/).
  .meta({ id: 'OutputSpec' });
export type OutputSpec = z.infer<typeof OutputSpec>;

export const PresetName = z.enum(['thumbnail', 'web', 'social', 'archive']);
export type PresetName = z.infer<typeof PresetName>;

/** A built-in preset or one the tenant saved (PUT /presets/{name}). */
export const PresetRef = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes');

/** Settings applied to every output of a preset (each result is validated as an OutputSpec). */
export const OutputOverrides = z
  .object({
    format: ImageFormat.optional(),
    quality: z.union([QualityLevel, z.number().int().min(1).max(100)]).optional(),
    effort: z.number().int().min(0).max(10).optional(),
    background: z
      .string()
      .regex(/^#[0-9a-fA-F]{6}$/, 'a colour as #rrggbb')
      .optional(),
    enlarge: z.boolean().optional(),
    animated: z.boolean().optional(),
  })
  .strict()
  .meta({ id: 'OutputOverrides' });
export type OutputOverrides = z.infer<typeof OutputOverrides>;

export const OutputSpecList = z
  .array(OutputSpec)
  .min(1)
  .max(20)
  .refine((specs) => new Set(specs.map((spec) => spec.name)).size === specs.length, {
    message: 'output names must be unique (each names its own object)',
  });

export const Outputs = z
  .union([
    z.object({ preset: PresetRef, overrides: OutputOverrides.optional() }).strict(),
    z.object({ specs: OutputSpecList }).strict(),
  ])
  .meta({ id: 'Outputs' });
export type Outputs = z.infer<typeof Outputs>;

const TenantId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/);

/** What a client may ask for; the tenant comes from the API key, never from the body. */
export const JobRequest = z
  .object({
    outputs: Outputs.default({ preset: 'web' }),
    /**
     * What a video or audio source becomes (presets mobile/web/hls, or output specs). Used only when the
     * uploaded bytes turn out to be video or audio; default { preset: 'web' }. `outputs` is for images.
     */
    video: VideoRequest.optional(),
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

/**
 * One stored output. Images: one file each, always with dimensions. Video outputs (`kind` set) list one
 * record per deliverable file (a playlist's key names the playlist; its segments sit beside it), with
 * dimensions only for pictures.
 */
export interface OutputRecord {
  name: string;
  key: string;
  format: string;
  width?: number;
  height?: number;
  bytes: number;
  /** Video outputs: mp4, webm, hls, dash, poster, thumbnails, audio. */
  kind?: string;
  /** Which part of a multi-file output: '720p', 'master', 'manifest', 'thumb-003', 'sprite', 'vtt'. */
  rendition?: string;
  codec?: string;
  durationSeconds?: number;
}

/** Selected EXIF fields of the source (never GPS, never maker notes or serial numbers). */
export interface SourceExif {
  make?: string;
  model?: string;
  dateTime?: string;
  copyright?: string;
  artist?: string;
}

export interface SourceMetadata {
  format: string;
  /** Dimensions after EXIF orientation is applied (of one frame, for animations). */
  width: number;
  height: number;
  orientation?: number;
  space?: string;
  /** Bits per sample as libvips reports the pixel format, e.g. uchar (8) or ushort (16). */
  depth?: string;
  /** The embedded ICC profile's description, e.g. "sRGB IEC61966-2.1" or "Display P3". */
  iccDescription?: string;
  hasAlpha?: boolean;
  /** Number of animation frames (GIF/WebP); 1 for stills (a multi-image HEIF/TIFF reports its primary). */
  frames?: number;
  exif?: SourceExif;
  bytes: number;
  /** Video and audio sources (from ffprobe): duration, codecs, rotation a player applies, frame rate. */
  durationSeconds?: number;
  videoCodec?: string;
  rotation?: number;
  frameRate?: number;
  variableFrameRate?: boolean;
  audioCodec?: string;
  audioChannels?: number;
  /** What the magic bytes say, and what the client declared (they may disagree; the bytes win). */
  detectedType?: string;
  declaredType?: string;
}

/** Of the original bytes and of the decoded image (PDQ, imagehash-compatible aHash/dHash/pHash). */
export interface AssetHashes {
  sha256: string;
  pdq: { hash: string; quality: number };
  ahash: string;
  dhash: string;
  phash: string;
}

/** The tenant's earlier assets (jobs) with the same bytes, or a PDQ hash within distance 31. */
export interface AssetDuplicates {
  /** The oldest 20 (MAX_EXACT_DUPLICATES); `exactTruncated` when the tenant has more copies. */
  exact: string[];
  exactTruncated?: boolean;
  near: { assetId: string; distance: number }[];
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
  /** A tiny preview to show while outputs load (thumbhash, base64). */
  placeholder?: { thumbhash: string };
  hashes?: AssetHashes;
  duplicates?: AssetDuplicates;
  error?: JobError;
  createdAt: string;
  updatedAt: string;
  /** When the job was queued for a worker (batch jobs: when their slot started them). */
  queuedAt?: string;
  /** When a worker first claimed it (this attempt series; a retry clears it). */
  startedAt?: string;
  completedAt?: string;
  /** Events recorded with state changes and not yet published, by outbox key (see src/core/events.ts). */
  outbox?: Record<string, OutboxEntry>;
  /** Set while the outbox holds entries: the time of the oldest (the sweeper's index key). */
  outboxAt?: string;
  /** Failed sweeper publishes of this outbox since it was last emptied (parked at the cap). */
  outboxFailures?: number;
  /** The batch the job belongs to, its ref there and the job ids it waits for. */
  batch?: JobBatchLink;
  /**
   * The Step Functions task token of the batch slot that started the job: the slot waits until the job
   * ends and the batch callback returns it. Internal; never in views or events.
   */
  batchTaskToken?: string;
  /** Video/audio jobs: the Step Functions execution transcoding this attempt (cancel stops it). */
  executionArn?: string;
  /** While a transcode runs: its estimated seconds left (from ffmpeg's speed). */
  etaSeconds?: number;
}

/**
 * What a FAILED or CANCELLED job loses when it is queued again (a batch job retry, a dead-letter redrive):
 * its result, its error and the task token of the slot that ran it.
 */
export const requeuedFields = (queuedAt: string) =>
  ({
    stage: 'queued',
    progress: 0,
    error: undefined,
    completedAt: undefined,
    outputs: undefined,
    batchTaskToken: undefined,
    startedAt: undefined,
    queuedAt,
  }) satisfies Partial<Job>;

export interface JobBatchLink {
  batchId: string;
  ref: string;
  dependsOn?: string[];
}

export { TenantId };

/**
 * An event recorded on the job item in the same conditional write as the state change it describes
 * (the outbox). The snapshot fields are what the write itself set; fields it did not set are taken
 * from the item image the write returned (or, when a sweeper republishes, the current item).
 */
export interface OutboxEntry {
  type: JobEventType;
  occurredAt: string;
  status: JobStatus;
  attempt?: number;
  stage?: string;
  progress?: number;
  milestone?: ProgressMilestone;
}
