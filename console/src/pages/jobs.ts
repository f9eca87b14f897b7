import { type Job, must } from '../api/client.js';
import { h, progressBar, seconds, statusBadge, table, when } from '../dom.js';
import type { Page } from '../page.js';

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);
export const isTerminal = (job: Pick<Job, 'status'>) => TERMINAL.has(job.status);

/** A job's file name: the last part of its source key. */
export const fileName = (job: Job) => job.source.key.split('/').pop() ?? job.id;

export function jobProgress(job: Job): HTMLElement {
  const percent = job.status === 'COMPLETED' ? 100 : job.progress;
  return h(
    'div',
    { class: 'progress' },
    progressBar(percent, `progress of job ${job.id}`),
    h(
      'span',
      {},
      `${Math.round(percent)}%`,
      job.etaSeconds !== undefined ? ` · ${seconds(job.etaSeconds)} left` : '',
    ),
  );
}

/** The tenant's latest jobs, newest first, refreshed every 2 s; a cursor pages further back. */
export const jobsPage: Page = async (ctx) => {
  const cursor = new URLSearchParams(window.location.hash.split('?')[1] ?? '').get('cursor') ?? undefined;
  const page = await must(ctx.api.GET('/jobs', { params: { query: { limit: '50', cursor } } }));
  const rows = page.jobs.map((job) => [
    h('a', { href: `#/jobs/${job.id}` }, fileName(job)),
    statusBadge(job.status),
    job.stage,
    jobProgress(job),
    job.batch ? h('a', { href: `#/batches/${job.batch.id}` }, job.batch.ref) : '',
    when(job.createdAt),
  ]);
  const node = h(
    'div',
    {},
    h('h1', {}, 'Jobs'),
    table(
      ['file', 'status', 'stage', 'progress', 'batch', 'created'],
      rows,
      'No jobs yet: upload a file to start one.',
    ),
    page.cursor
      ? h('a', { href: `#/jobs?cursor=${encodeURIComponent(page.cursor)}`, class: 'more' }, 'Older jobs →')
      : null,
  );
  for (const [i, job] of page.jobs.entries())
    node.querySelectorAll('tbody tr')[i]?.setAttribute('data-job-id', job.id);
  return { node, pollMs: 2000 };
};
