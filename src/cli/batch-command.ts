import { readFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import type { BatchView } from '../batches/batch-view.js';
import { ApiClient, resolveTarget } from './api-client.js';

interface BatchOptions {
  wait: boolean;
  api?: string;
  apiKey?: string;
  pollMs?: number;
  /** Where progress lines go (tests capture them). */
  log?: (line: string) => void;
}

/**
 * `media-pipeline batch <spec.json>`: submits the file's POST /batches body; with --wait, shows the
 * batch's progress until it ends and prints its counts. Exit code 1 when any job failed.
 */
export async function batchCommand(specPath: string, options: BatchOptions): Promise<number> {
  const log = options.log ?? console.log;
  const api = new ApiClient(resolveTarget(options));
  const spec = JSON.parse(readFileSync(specPath, 'utf8')) as unknown;
  let batch = await api.call<BatchView>('POST', '/batches', spec);
  log(`batch ${batch.id} ${batch.status}: ${batch.total} jobs`);
  if (!options.wait) return 0;
  const bar = new cliProgress.SingleBar(
    {
      format: ' {bar} {percentage}% | {status} | {counts}',
      hideCursor: true,
      noTTYOutput: true,
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
  log(`batch ${batch.id} ${batch.status}: ${formatCounts(batch)}`);
  log(`report: GET /batches/${batch.id}/report (add ?format=csv for CSV)`);
  return batch.counts.FAILED ? 1 : 0;
}

/** `media-pipeline batch-status <id>`: the batch with its counts, ETA and first page of jobs. */
export async function batchStatusCommand(batchId: string, options: { api?: string; apiKey?: string }) {
  const batch = await new ApiClient(resolveTarget(options)).call<BatchView>('GET', `/batches/${batchId}`);
  console.log(JSON.stringify(batch, null, 2));
  return batch.counts.FAILED ? 1 : 0;
}

const formatCounts = (batch: BatchView) =>
  Object.entries(batch.counts)
    .map(([status, count]) => `${count} ${status.toLowerCase()}`)
    .join(', ');
