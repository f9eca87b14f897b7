import { z } from 'zod';
import { EVENT_SOURCE, EVENT_TYPES, type EventType } from '../contract/events.js';
import {
  type Delivery,
  type DeliveryQueue,
  type DeliveryStore,
  deliveryIdFor,
  type WebhookEndpoint,
  type WebhookEndpointStore,
} from './ports.js';

/** The EventBridge envelope as the rule's SQS target delivers it (only the fields used here). */
const BusEvent = z.object({
  source: z.literal(EVENT_SOURCE),
  'detail-type': z.enum(EVENT_TYPES),
  detail: z
    .object({
      eventId: z.string().min(1).max(200),
      tenant: z.string().min(1),
      occurredAt: z.string().min(1),
    })
    .passthrough(),
});

/** The body every receiver gets, in the Standard Webhooks shape: type, timestamp, data. */
export function webhookBody(type: EventType, detail: { occurredAt: string }): string {
  return JSON.stringify({ type, timestamp: detail.occurredAt, data: detail });
}

export interface FanoutDeps {
  endpoints: Pick<WebhookEndpointStore, 'list'>;
  deliveries: Pick<DeliveryStore, 'createOnce'>;
  queue: DeliveryQueue;
  now?: () => number;
  /**
   * How long a tenant's endpoint list is reused. Default 0 (read per event): a cache here would let an
   * endpoint created a moment ago miss the next events. Decrypted secrets are cached by the cipher.
   */
  endpointCacheMs?: number;
}

export type FanoutResult =
  | { result: 'invalid'; reason: string }
  | { result: 'fanned-out'; eventId: string; queued: number; alreadyQueued: number };

export const endpointWants = (endpoint: WebhookEndpoint, type: EventType) =>
  endpoint.status === 'ACTIVE' && (endpoint.eventTypes.length === 0 || endpoint.eventTypes.includes(type));

/**
 * One bus event to every endpoint of its tenant that wants it: a delivery record per (event, endpoint),
 * created once (a republished or redelivered event finds it and does not deliver twice), then a
 * message for the dispatcher. A delivery that exists but was never attempted is queued again, so a
 * crash between the two writes loses nothing (the dispatcher takes each attempt once).
 */
export class WebhookFanout {
  private readonly cache = new Map<string, { at: number; endpoints: WebhookEndpoint[] }>();
  private readonly now: () => number;

  constructor(private readonly deps: FanoutDeps) {
    this.now = deps.now ?? Date.now;
  }

  async handle(raw: unknown): Promise<FanoutResult> {
    const parsed = BusEvent.safeParse(raw);
    if (!parsed.success) return { result: 'invalid', reason: parsed.error.issues[0]?.message ?? 'invalid' };
    const type = parsed.data['detail-type'];
    const { detail } = parsed.data;
    const body = webhookBody(type, detail);
    const wanted = (await this.endpointsOf(detail.tenant)).filter((e) => endpointWants(e, type));
    let queued = 0;
    let alreadyQueued = 0;
    const stamp = new Date(this.now()).toISOString();
    await Promise.all(
      wanted.map(async (endpoint) => {
        const delivery: Delivery = {
          tenant: detail.tenant,
          deliveryId: deliveryIdFor(endpoint.endpointId, detail.eventId),
          endpointId: endpoint.endpointId,
          eventId: detail.eventId,
          eventType: type,
          body,
          status: 'PENDING',
          attemptsMade: 0,
          attempts: [],
          createdAt: stamp,
          updatedAt: stamp,
        };
        const stored = await this.deps.deliveries.createOnce(delivery);
        if (!stored.created && (stored.delivery.status !== 'PENDING' || stored.delivery.attemptsMade > 0)) {
          alreadyQueued++;
          return;
        }
        await this.deps.queue.send({ tenant: detail.tenant, deliveryId: delivery.deliveryId, attempt: 1 });
        queued++;
      }),
    );
    return { result: 'fanned-out', eventId: detail.eventId, queued, alreadyQueued };
  }

  private async endpointsOf(tenant: string): Promise<WebhookEndpoint[]> {
    const ttl = this.deps.endpointCacheMs ?? 0;
    const hit = this.cache.get(tenant);
    if (hit && this.now() - hit.at < ttl) return hit.endpoints;
    const endpoints = await this.deps.endpoints.list(tenant, { withSecrets: false });
    this.cache.set(tenant, { at: this.now(), endpoints });
    return endpoints;
  }
}
