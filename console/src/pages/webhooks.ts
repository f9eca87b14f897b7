import { must } from '../api/client.js';
import { h, statusBadge, table, when } from '../dom.js';
import { actionButton, type Page, section } from '../page.js';

/** The tenant's webhook endpoints. */
export const webhooksPage: Page = async (ctx) => {
  const { webhooks } = await must(ctx.api.GET('/webhooks'));
  const rows = webhooks.map((webhook) => [
    h('a', { href: `#/webhooks/${webhook.id}` }, webhook.url),
    statusBadge(webhook.status),
    webhook.eventTypes.join(', '),
    webhook.disabledReason ?? '',
    when(webhook.createdAt),
  ]);
  return {
    node: h(
      'div',
      {},
      h('h1', {}, 'Webhooks'),
      table(
        ['endpoint', 'status', 'events', 'disabled because', 'created'],
        rows,
        'No webhook endpoints (POST /webhooks adds one).',
      ),
    ),
  };
};

const STATUSES = ['', 'PENDING', 'DELIVERED', 'DEAD_LETTERED'] as const;

/** One endpoint and its deliveries with every attempt; replay sends a delivery's event again. */
export const webhookDetailPage: Page = async (ctx) => {
  const id = ctx.params[0] ?? '';
  const filter = (new URLSearchParams(window.location.hash.split('?')[1] ?? '').get('status') ??
    '') as (typeof STATUSES)[number];
  const [webhook, page] = await Promise.all([
    must(ctx.api.GET('/webhooks/{id}', { params: { path: { id } } })),
    must(
      ctx.api.GET('/webhooks/{id}/deliveries', {
        params: { path: { id }, query: { limit: '50', status: filter || undefined } },
      }),
    ),
  ]);
  const select = h(
    'select',
    { 'aria-label': 'delivery status' },
    ...STATUSES.map((s) => h('option', { value: s, selected: s === filter }, s || 'all')),
  );
  select.addEventListener('change', () => {
    window.location.hash = `#/webhooks/${id}${select.value ? `?status=${select.value}` : ''}`;
  });
  const rows = page.deliveries.map((delivery) => {
    const last = delivery.attempts.at(-1);
    return [
      delivery.eventType,
      statusBadge(delivery.status),
      String(delivery.attemptsMade),
      last ? `${last.status || last.errorKind || ''} ${last.error ?? last.responseSnippet ?? ''}`.trim() : '',
      delivery.nextAttemptAt ? `next ${when(delivery.nextAttemptAt)}` : when(delivery.updatedAt),
      h(
        'span',
        { class: 'actions', 'data-delivery-id': delivery.id },
        delivery.status === 'PENDING'
          ? null
          : actionButton(
              'Replay',
              () =>
                must(
                  ctx.api.POST('/webhooks/deliveries/{id}/replay', { params: { path: { id: delivery.id } } }),
                ),
              ctx,
            ),
      ),
    ];
  });
  const node = h(
    'div',
    { 'data-webhook-id': webhook.id },
    h('h1', {}, webhook.url, ' ', statusBadge(webhook.status)),
    webhook.status === 'DISABLED'
      ? h(
          'p',
          {},
          `Disabled: ${webhook.disabledReason ?? ''} `,
          actionButton(
            'Enable',
            () => must(ctx.api.POST('/webhooks/{id}/enable', { params: { path: { id } } })),
            ctx,
          ),
        )
      : null,
    section(
      'Deliveries',
      h('p', {}, 'Show ', select),
      table(['event', 'status', 'attempts', 'last answer', 'when', ''], rows, 'No deliveries.'),
    ),
  );
  return { node, pollMs: 3000 };
};
