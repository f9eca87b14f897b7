import { ConditionFailedError } from '../core/ports.js';
import type {
  Delivery,
  DeliveryAttempt,
  DeliveryMessage,
  DeliveryStore,
  WebhookEndpoint,
  WebhookEndpointStore,
} from './ports.js';
import { type AttemptOutcome, decideNext, type RetryPolicyOptions } from './retry-policy.js';
import type { Resolver, SendResult } from './sender.js';
import { activeSecrets, signWebhook } from './signing.js';

export type Sender = (
  url: string,
  headers: Record<string, string>,
  body: string,
  options: { stage: string; timeoutMs: number; resolve?: Resolver },
) => Promise<SendResult>;

export interface DispatchDeps {
  deliveries: DeliveryStore;
  endpoints: Pick<WebhookEndpointStore, 'get' | 'setStatus'>;
  send: Sender;
  /** The URL policy's stage: 'local' allows http://localhost. */
  stage: string;
  timeoutMs?: number;
  policy?: Partial<RetryPolicyOptions>;
  resolve?: Resolver;
  now?: () => number;
  random?: () => number;
  userAgent?: string;
}

/**
 * What the queue should do with the message: drop it, or show it again after `seconds`. `delivery` is
 * set only when this call finished the delivery (delivered or dead-lettered it).
 */
export type DispatchResult =
  | { result: 'done'; reason: string; delivery?: Delivery }
  | { result: 'later'; seconds: number; reason: string };

const DEFAULT_TIMEOUT_MS = 12_000;

/**
 * Drives one delivery: makes its next attempt when it is due, records the attempt and the retry
 * policy's decision, and tells the caller when to look again. A message only says which delivery; the
 * record holds the state, so duplicate or stale messages are harmless (an attempt is taken with a
 * conditional write, and a message that arrives early is deferred until the attempt is due).
 */
export async function dispatchDelivery(
  deps: DispatchDeps,
  message: DeliveryMessage,
): Promise<DispatchResult> {
  try {
    return await drive(deps, message);
  } catch (error) {
    // finishAttempt refuses when the attempt is no longer ours (a takeover after our lease expired,
    // or a replay): look again shortly; the record then says whether anything is left to do.
    if (error instanceof ConditionFailedError) return { result: 'later', seconds: 1, reason: error.message };
    throw error;
  }
}

async function drive(deps: DispatchDeps, message: DeliveryMessage): Promise<DispatchResult> {
  const now = deps.now ?? Date.now;
  const delivery = await deps.deliveries.get(message.tenant, message.deliveryId);
  if (!delivery) return { result: 'done', reason: 'no such delivery' };
  if (delivery.status !== 'PENDING') return { result: 'done', reason: `delivery is ${delivery.status}` };
  // Never drop a message because someone else holds the attempt: this message may be the delivery's
  // only driver (SQS can hand the same message out twice at once). Look again when the lease ends.
  if (delivery.leaseUntil !== undefined && delivery.leaseUntil > now())
    return {
      result: 'later',
      seconds: leaseSeconds(delivery.leaseUntil, now()),
      reason: 'attempt in flight elsewhere',
    };
  const dueAt = delivery.nextAttemptAt ? Date.parse(delivery.nextAttemptAt) : 0;
  if (dueAt > now()) {
    return { result: 'later', seconds: Math.ceil((dueAt - now()) / 1000), reason: 'attempt not due yet' };
  }
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const attempt = delivery.attemptsMade + 1;
  const startedAt = new Date(now()).toISOString();
  const taken = await deps.deliveries.beginAttempt(
    delivery.tenant,
    delivery.deliveryId,
    attempt,
    now() + timeoutMs + 30_000,
    startedAt,
  );
  if (!taken) return { result: 'later', seconds: 1, reason: 'attempt taken by another dispatcher' };

  const endpoint = await deps.endpoints.get(delivery.tenant, delivery.endpointId);
  const sent = endpoint?.status === 'ACTIVE' ? await send(deps, endpoint, taken, timeoutMs) : undefined;
  const record: DeliveryAttempt = {
    attempt,
    at: startedAt,
    status: sent?.status ?? 0,
    durationMs: sent?.durationMs ?? 0,
    errorKind: sent?.errorKind,
    error: sent ? sent.error : endpoint ? `endpoint is ${endpoint.status}` : 'endpoint deleted',
    responseSnippet: sent?.responseSnippet,
  };
  const stamp = new Date(now()).toISOString();
  if (!sent) {
    const finished = await deps.deliveries.finishAttempt(
      delivery.tenant,
      delivery.deliveryId,
      withoutUndefined(record),
      { status: 'DEAD_LETTERED', lastError: record.error as string },
      stamp,
    );
    return { result: 'done', reason: record.error as string, delivery: finished };
  }
  const outcome: AttemptOutcome = {
    status: sent.status,
    errorKind: sent.errorKind,
    retryAfterSeconds: sent.retryAfterSeconds,
  };
  const decision = decideNext({
    outcome,
    attempt,
    firstAttemptAt: new Date(taken.cycleStartedAt ?? startedAt),
    now: new Date(now()),
    random: deps.random ?? Math.random,
    policy: deps.policy,
  });
  const describe = sent.error ?? `HTTP ${sent.status}`;
  switch (decision.action) {
    case 'delivered': {
      const finished = await deps.deliveries.finishAttempt(
        delivery.tenant,
        delivery.deliveryId,
        withoutUndefined(record),
        { status: 'DELIVERED' },
        stamp,
      );
      return { result: 'done', reason: 'delivered', delivery: finished };
    }
    case 'retry':
      await deps.deliveries.finishAttempt(
        delivery.tenant,
        delivery.deliveryId,
        withoutUndefined(record),
        { status: 'PENDING', nextAttemptAt: decision.retryAt.toISOString(), lastError: describe },
        stamp,
      );
      return { result: 'later', seconds: decision.delaySeconds, reason: decision.reason };
    case 'disable':
      await deps.endpoints.setStatus(
        delivery.tenant,
        delivery.endpointId,
        'DISABLED',
        decision.reason,
        stamp,
      );
      return deadLetter(deps, delivery, record, decision.reason, stamp);
    case 'dead-letter':
      return deadLetter(deps, delivery, record, decision.reason, stamp);
  }
}

async function deadLetter(
  deps: DispatchDeps,
  delivery: Delivery,
  record: DeliveryAttempt,
  reason: string,
  stamp: string,
): Promise<DispatchResult> {
  const finished = await deps.deliveries.finishAttempt(
    delivery.tenant,
    delivery.deliveryId,
    withoutUndefined(record),
    { status: 'DEAD_LETTERED', lastError: reason },
    stamp,
  );
  return { result: 'done', reason, delivery: finished };
}

/** One signed POST: `webhook-id` is the event id (the same on every attempt and replay). */
async function send(deps: DispatchDeps, endpoint: WebhookEndpoint, delivery: Delivery, timeoutMs: number) {
  const now = deps.now ?? Date.now;
  const secrets = activeSecrets(endpoint.secrets, new Date(now()));
  const headers = {
    ...signWebhook({ id: delivery.eventId, body: delivery.body, secrets, timestamp: new Date(now()) }),
    'content-type': 'application/json',
    'user-agent': deps.userAgent ?? 'media-pipeline-webhooks/1',
  };
  return deps.send(endpoint.url, headers, delivery.body, {
    stage: deps.stage,
    timeoutMs,
    resolve: deps.resolve,
  });
}

const leaseSeconds = (leaseUntil: number, nowMs: number) =>
  Math.max(1, Math.ceil((leaseUntil - nowMs) / 1000));

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
