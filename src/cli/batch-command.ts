import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import cliProgress from 'cli-progress';
import type { BatchView } from '../batches/batch-view.js';
import { ApiClient, resolveTarget } from './api-client.js';
import { EXIT, UsageError } from './exit-codes.js';

interface BatchOptions {
  wait: boolean;
  api?: string;
  apiKey?: string;
  pollMs?: number;
  /** Where progress lines go (tests capture them). */
  log?: (line: string) => void;
  /** Print the batch (when it ended, with --wait) as one JSON document instead of text and a bar. */
  json?: boolean;
}

/**
 * `media-pipeline batch <spec.json>`: submits the file's POST /batches body; with --wait, shows the
 * batch's progress until it ends and prints its counts. Exit code 1 when any job failed.
 */
export async function batchCommand(specPath: string, options: BatchOptions): Promise<number> {
  const log = options.log ?? console.log;
  const api = new ApiClient(resolveTarget(options));
  let spec: unknown;
  try {
    spec = JSON.parse(readFileSync(specPath, 'utf8'));
  } catch (error) {
    throw new UsageError(`${specPath}: ${(error as Error).message}`);
  }
  let batch = await api.call<BatchView>('POST', '/batches', spec);
  const done = () => {
    if (options.json) log(JSON.stringify(batch));
    return batch.counts.FAILED ? EXIT.failed : EXIT.ok;
  };
  if (!options.json) log(`batch ${batch.id} ${batch.status}: ${batch.total} jobs`);
  if (!options.wait) return done();
  const bar = new cliProgress.SingleBar(
    {
      format: ' {bar} {percentage}% | {status} | {counts}',
      hideCursor: true,
      noTTYOutput: true,
      // --json: stdout carries the JSON only, and stderr no bar either.
      ...(options.json ? { stream: new Writable({ write: (_chunk, _encoding, done) => done() }) } : {}),
      notTTYSchedule: 2000,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(100, 0, { status: batch.status, counts: '' });
  while (!((batch.status === 'COMPLETED' || batch.status === 'CANCELLED') && batch.endedAt)) {
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1000));
    batch = await api.call<BatchView>('GET', `/batches/${batch.id}?limit=1`);
    bar.update(batch.percentComplete, { status: batch.status.toLowerCase(), counts: formatCounts(batch) });
  }
  bar.stop();
  if (options.json) return done();
  log(`batch ${batch.id} ${batch.status}: ${formatCounts(batch)}`);
  log(`report: GET /batches/${batch.id}/report (add ?format=csv for CSV)`);
  return done();
}

/** `media-pipeline batch-status <id>`: the batch with its counts, ETA and first page of jobs. */
export async function batchStatusCommand(batchId: string, options: { api?: string; apiKey?: string }) {
  const batch = await new ApiClient(resolveTarget(options)).call<BatchView>('GET', `/batches/${batchId}`);
  console.log(JSON.stringify(batch, null, 2));
  return batch.counts.FAILED ? EXIT.failed : EXIT.ok;
}

const formatCounts = (batch: BatchView) =>
  Object.entries(batch.counts)
    .map(([status, count]) => `${count} ${status.toLowerCase()}`)
    .join(', ');
