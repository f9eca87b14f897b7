import { must } from '../api/client.js';
import { h, progressBar, seconds, statusBadge, table, when } from '../dom.js';
import { actionButton, type Page, section } from '../page.js';
import { fileName, isTerminal, jobProgress } from './jobs.js';

/** The tenant's batches, newest first (GET /batches), and a box to open any batch by id. */
export const batchesPage: Page = async (ctx) => {
  const page = await must(ctx.api.GET('/batches', { params: { query: { limit: '50' } } }));
  const input = h('input', {
    name: 'batch',
    placeholder: 'batch id',
    required: true,
    'aria-label': 'batch id',
  });
  const open = h('form', { class: 'inline' }, input, h('button', { type: 'submit' }, 'Open batch'));
  open.addEventListener('submit', (event) => {
    event.preventDefault();
    window.location.hash = `#/batches/${encodeURIComponent(input.value.trim())}`;
  });
  const rows = page.batches.map((batch) => [
    h('a', { href: `#/batches/${batch.id}` }, batch.name),
    statusBadge(batch.status),
    String(batch.total),
    batch.priority,
    when(batch.createdAt),
    batch.endedAt ? when(batch.endedAt) : '',
  ]);
  const node = h(
    'div',
    {},
    h('h1', {}, 'Batches'),
    open,
    table(['batch', 'status', 'jobs', 'priority', 'created', 'ended'], rows, 'No batches yet.'),
  );
  return { node };
};

/** One batch: status, counts per job status, progress and ETA; cancel it, or cancel or retry single jobs. */
export const batchDetailPage: Page = async (ctx) => {
  const id = ctx.params[0] ?? '';
  const batch = await must(
    ctx.api.GET('/batches/{id}', { params: { path: { id }, query: { limit: '100' } } }),
  );
  const ended = ['COMPLETED', 'CANCELLED', 'FAILED'].includes(batch.status);
  const jobPath = (jobId: string) => ({ params: { path: { id, jobId } } });
  const rows = batch.jobs.map((job) => [
    h('a', { href: `#/jobs/${job.id}` }, job.batch?.ref ?? fileName(job)),
    statusBadge(job.status),
    jobProgress(job),
    job.error ? `${job.error.code}: ${job.error.detail}` : '',
    h(
      'span',
      { class: 'actions', 'data-job-id': job.id },
      isTerminal(job)
        ? null
        : actionButton(
            'Cancel',
            () => must(ctx.api.DELETE('/batches/{id}/jobs/{jobId}', jobPath(job.id))),
            ctx,
          ),
      job.status === 'FAILED' || job.status === 'CANCELLED'
        ? actionButton(
            'Retry',
            () => must(ctx.api.POST('/batches/{id}/jobs/{jobId}/retry', jobPath(job.id))),
            ctx,
          )
        : null,
    ),
  ]);
  const counts = Object.entries(batch.counts as Record<string, number>).filter(([, n]) => n > 0);
  const node = h(
    'div',
    { 'data-batch-id': batch.id, 'data-status': batch.status },
    h('h1', {}, batch.name ?? batch.id, ' ', statusBadge(batch.status)),
    h(
      'div',
      { class: 'progress' },
      progressBar(batch.percentComplete, `progress of batch ${batch.id}`),
      h(
        'span',
        {},
        `${Math.round(batch.percentComplete)}% of ${batch.total}`,
        batch.etaSeconds ? ` · ${seconds(batch.etaSeconds)} left` : '',
      ),
    ),
    h(
      'p',
      { class: 'counts' },
      ...counts.map(([status, n]) =>
        h('span', { class: `badge status-${status.toLowerCase()}` }, `${status} ${n}`),
      ),
    ),
    ended
      ? null
      : actionButton(
          'Cancel batch',
          () => must(ctx.api.DELETE('/batches/{id}', { params: { path: { id } } })),
          ctx,
        ),
    batch.report.available
      ? h(
          'p',
          {},
          'Report written ',
          when(batch.report.writtenAt),
          ' (GET /batches/{id}/report, JSON or CSV).',
        )
      : null,
    section('Jobs', table(['job', 'status', 'progress', 'error', ''], rows, 'The batch has no jobs.')),
  );
  return { node, pollMs: ended ? undefined : 2000 };
};
