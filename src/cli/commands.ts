import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { Writable } from 'node:stream';
import cliProgress from 'cli-progress';
import { VIDEO_PRESETS } from '../core/video-request.js';
import type { JobView } from '../jobs/job-view.js';
import { hashApiKey, issueApiKey } from '../tenants/api-keys.js';
import { ApiClient, resolveTarget } from './api-client.js';
import { contentTypeFor, namedLikeVideoOrAudio } from './content-types.js';
import { EXIT, exitFor, UsageError } from './exit-codes.js';
import { postFileToPresignedPost } from './multipart-upload.js';

/** Image files ask for `outputs`; video and audio files for `video` (presets mobile, web, hls). */
function outputsRequest(path: string, preset: string): Record<string, unknown> {
  if (!namedLikeVideoOrAudio(path)) return { outputs: { preset } };
  if (!Object.hasOwn(VIDEO_PRESETS, preset))
    throw new UsageError(`video and audio files take --preset mobile, web or hls (got ${preset})`);
  return { video: { preset } };
}

const eta = (job: JobView) =>
  job.status === 'PROCESSING' && job.etaSeconds !== undefined ? ` (about ${job.etaSeconds}s left)` : '';

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

interface UploadOptions {
  preset: string;
  priority?: string;
  wait: boolean;
  api?: string;
  apiKey?: string;
  pollMs?: number;
  /** Print one JSON document (an array of `{file, job}` or `{file, error}`) instead of text and bars. */
  json?: boolean;
  print?: (line: string) => void;
}

interface UploadResponse {
  job: JobView;
  upload: { url: string; fields: Record<string, string> };
}

/** Uploads each file through the API's presigned POST; with --wait, follows each job to its end. */
export async function uploadCommand(files: string[], options: UploadOptions): Promise<number> {
  const api = new ApiClient(resolveTarget(options));
  const print = options.print ?? ((line: string) => console.log(line));
  const bars = new cliProgress.MultiBar(
    {
      format: ' {bar} {percentage}% | {name} | {stage}',
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 2000,
      // --json: stdout carries the JSON only, and stderr no bars either.
      ...(options.json ? { stream: new Writable({ write: (_chunk, _encoding, done) => done() }) } : {}),
    },
    cliProgress.Presets.shades_classic,
  );
  const results = await Promise.all(
    files.map(async (path) => {
      const size = statSync(path).size;
      const bar = bars.create(100, 0, { name: basename(path), stage: 'requesting upload' });
      try {
        const created = await api.call<UploadResponse>('POST', '/uploads', {
          fileName: basename(path),
          contentType: contentTypeFor(path),
          size,
          ...outputsRequest(path, options.preset),
          priority: options.priority ?? 'normal',
        });
        const sent = await postFileToPresignedPost(
          created.upload,
          { path, size, contentType: contentTypeFor(path) },
          (bytes) =>
            bar.update(Math.floor((bytes / Math.max(size, 1)) * (options.wait ? 50 : 100)), {
              stage: 'uploading',
            }),
        );
        if (sent.status >= 300)
          throw new Error(`upload refused (${sent.status}): ${sent.body.slice(0, 300)}`);
        let job = created.job;
        bar.update(options.wait ? 50 : 100, { stage: 'uploaded' });
        while (options.wait && !TERMINAL.has(job.status)) {
          await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250));
          job = await api.call<JobView>('GET', `/jobs/${job.id}`);
          bar.update(50 + Math.floor(job.progress / 2), {
            stage: `${job.status.toLowerCase()} ${job.stage}${eta(job)}`,
          });
        }
        bar.update(100, { stage: job.status.toLowerCase() });
        return { path, job };
      } catch (error) {
        bar.update({ stage: 'error' });
        return {
          path,
          error: error instanceof Error ? error.message : String(error),
          code: exitFor(error).code,
        };
      }
    }),
  );
  bars.stop();
  const failures = results.filter((r) => 'error' in r || r.job.status === 'FAILED').length;
  // The API refusing or not answering outranks a failed job (exit 3 or 4 rather than 1).
  const worst = Math.max(EXIT.failed, ...results.map((r) => ('code' in r ? (r.code ?? 0) : 0)));
  if (options.json) {
    print(JSON.stringify(results.map(({ path, ...rest }) => ({ file: path, ...rest }))));
    return failures === 0 ? EXIT.ok : worst;
  }
  for (const result of results) {
    if ('error' in result) {
      print(`${result.path}: ${result.error}`);
      continue;
    }
    const { job } = result;
    print(`${result.path}: job ${job.id} ${job.status}`);
    if (job.error) print(`  error ${job.error.code}: ${job.error.detail}`);
    for (const output of job.outputs ?? []) {
      const size = output.width ? `${output.width}x${output.height}, ` : '';
      print(`  ${output.name}: ${output.key} (${size}${output.bytes} bytes)`);
      print(`    ${output.url}`);
    }
  }
  return failures === 0 ? EXIT.ok : worst;
}

export async function statusCommand(
  jobId: string,
  options: { api?: string; apiKey?: string },
): Promise<number> {
  const job = await new ApiClient(resolveTarget(options)).call<JobView>('GET', `/jobs/${jobId}`);
  console.log(JSON.stringify(job, null, 2));
  return job.status === 'FAILED' ? EXIT.failed : EXIT.ok;
}

/** For a deployed stack: a new API key for a tenant, its hash written to the stack's jobs table. */
export async function createApiKeyCommand(options: { table: string; tenant: string }): Promise<string> {
  const { DynamoDbJobStore } = await import('../adapters/aws/dynamodb-job-store.js');
  return issueApiKey(new DynamoDbJobStore({ tableName: options.table }), options.tenant);
}

/**
 * Sets a tenant's own rate limits on a deployed stack (each `rate/burst`, e.g. `50/100`), replacing the
 * stage defaults for the classes given; running APIs apply them within a minute.
 */
export async function setRateLimitCommand(options: {
  table: string;
  tenant: string;
  submit?: string;
  read?: string;
}): Promise<Record<string, { ratePerSecond: number; burst: number }>> {
  const { DynamoDbRateLimitStore } = await import('../adapters/aws/dynamodb-rate-limit-store.js');
  const { RateLimitOverridesSchema } = await import('../contract/rate-limits.js');
  const parse = (value: string | undefined) => {
    if (value === undefined) return undefined;
    const [rate, burst] = value.split('/').map(Number);
    return { ratePerSecond: rate as number, burst: burst ?? Math.ceil(2 * (rate as number)) };
  };
  const policies = RateLimitOverridesSchema.parse({
    submit: parse(options.submit),
    read: parse(options.read),
  });
  const clean = Object.fromEntries(Object.entries(policies).filter(([, p]) => p !== undefined)) as Record<
    string,
    { ratePerSecond: number; burst: number }
  >;
  const store = new DynamoDbRateLimitStore({ tableName: options.table });
  // Only the classes given change: the tenant's other overrides stay.
  const merged = { ...((await store.overrides(options.tenant)) ?? {}), ...clean };
  await store.setOverrides(options.tenant, merged);
  return merged;
}

/** Revokes an API key of a deployed stack (by its hash); running APIs stop accepting it within a minute. */
export async function revokeApiKeyCommand(options: {
  table: string;
  key: string;
}): Promise<string | undefined> {
  const { DynamoDbJobStore } = await import('../adapters/aws/dynamodb-job-store.js');
  return new DynamoDbJobStore({ tableName: options.table }).deleteKeyHash(hashApiKey(options.key));
}
