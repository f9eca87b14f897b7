import { must, type Schemas } from '../api/client.js';
import { h, seconds, table, when } from '../dom.js';
import { actionButton, type Page, section } from '../page.js';

type Latency = Schemas['Stats']['jobs']['latencySeconds']['queue'];
const latencyRow = (name: string, l: Latency) => [
  name,
  String(l.count),
  seconds(l.p50),
  seconds(l.p95),
  seconds(l.p99),
  seconds(l.max),
];

/** Queue depths per priority, the dead-letter queue, the last hour's figures, and the tenant's dead letters. */
export const queuesPage: Page = async (ctx) => {
  const [stats, dead] = await Promise.all([
    must(ctx.api.GET('/stats')),
    must(ctx.api.GET('/dead-letters', { params: { query: { limit: '50' } } })),
  ]);
  const { jobs, queues } = stats;
  const queueRows = [
    ...Object.entries(queues.jobs).map(([priority, q]) => [
      priority,
      String(q.visible),
      String(q.inFlight),
      String(q.delayed),
    ]),
    [
      'dead-letter',
      String(queues.deadLetter.visible),
      String(queues.deadLetter.inFlight),
      String(queues.deadLetter.delayed),
    ],
  ];
  const result = h('div', { class: 'redrive-result' });
  const redrive = actionButton(
    'Redrive dead letters',
    async () => {
      const outcome = await must(ctx.api.POST('/dead-letters/redrive', { body: { limit: 100 } }));
      sessionStorage.setItem(
        'media-pipeline.lastRedrive',
        `${outcome.redriven.length} queued again, ${outcome.skipped.length} skipped, ${outcome.remaining} left`,
      );
    },
    ctx,
  );
  const last = sessionStorage.getItem('media-pipeline.lastRedrive');
  if (last) result.append(h('p', {}, `Last redrive: ${last}.`));
  const node = h(
    'div',
    {},
    h('h1', {}, 'Queues'),
    section('Ingest queues', table(['queue', 'visible', 'in flight', 'delayed'], queueRows, 'No queues.')),
    section(
      `The last hour (${stats.window.jobs} jobs${stats.window.truncated ? ', latest only' : ''})`,
      h(
        'p',
        { class: 'counts' },
        ...Object.entries(jobs.byStatus).map(([status, n]) =>
          h('span', { class: `badge status-${status.toLowerCase()}` }, `${status} ${n}`),
        ),
      ),
      h(
        'p',
        {},
        `${jobs.throughput.completed} completed (${jobs.throughput.completedPerMinute.toFixed(1)}/min), ${jobs.throughput.failed} failed; ${jobs.unfinished} unfinished${(jobs.byStatus.QUEUED ?? 0) > 0 ? `, the oldest queued for ${seconds(jobs.oldestQueuedSeconds)}` : ''}.`,
      ),
      table(
        ['latency', 'jobs', 'p50', 'p95', 'p99', 'max'],
        [
          latencyRow('queue wait', jobs.latencySeconds.queue),
          latencyRow('processing', jobs.latencySeconds.processing),
          latencyRow('total', jobs.latencySeconds.total),
        ],
        '',
      ),
    ),
    section(
      `Dead letters (${stats.deadLetters.count})`,
      table(
        ['job', 'priority', 'dead-lettered', 'reason'],
        dead.deadLetters.map((d) => [
          h('a', { href: `#/jobs/${d.jobId}` }, d.jobId),
          d.priority,
          when(d.deadLetteredAt),
          d.reason,
        ]),
        'No dead letters.',
      ),
      dead.deadLetters.length ? redrive : null,
      result,
    ),
  );
  return { node, pollMs: 3000 };
};
