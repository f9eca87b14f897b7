import { setTimeout as sleep } from 'node:timers/promises';
import { ulid } from 'ulid';
import { z } from 'zod';
import { EVENT_TYPES, type EventType } from '../contract/events.js';
import { domainError, invalidRequest, notFound, parseInput } from '../core/domain-error.js';
import { ConditionFailedError } from '../core/ports.js';
import { checkWebhookUrl, type Stage, vetAddresses, WebhookUrlRefused } from './address-policy.js';
import {
  type Delivery,
  type DeliveryQueue,
  type DeliveryStatus,
  type DeliveryStore,
  parseDeliveryId,
  type WebhookEndpoint,
  type WebhookEndpointStore,
} from './ports.js';
import { generateWebhookSecret } from './secrets.js';
import { type Resolver, systemResolver } from './sender.js';
import { activeSecrets, type EndpointSecret, rotateSecrets } from './signing.js';

export const MAX_ENDPOINTS_PER_TENANT = 20;
/** Secrets that may sign at once (the new one and overlapping old ones); older ones are dropped. */
export const MAX_ACTIVE_SECRETS = 5;
export const DEFAULT_OVERLAP_SECONDS = 24 * 3600;
export const MAX_OVERLAP_SECONDS = 7 * 24 * 3600;

/** Rounds of check-create-check a webhook creation makes when it keeps racing others. */
const CREATE_ROUNDS = 3;

const ENDPOINT_ID = /^wh_[0-9A-HJKMNP-TV-Z]{26}$/;
export const DELIVERY_STATUSES = [
  'PENDING',
  'DELIVERED',
  'DEAD_LETTERED',
] as const satisfies readonly DeliveryStatus[];

export const CreateWebhookRequest = z
  .object({
    url: z.string().min(1).max(2048),
    /** Omitted: every event type, including ones added later. */
    eventTypes: z.array(z.enum(EVENT_TYPES)).min(1).max(100).optional(),
    description: z.string().max(500).optional(),
  })
  .strict();

export const RotateSecretRequest = z
  .object({ overlapSeconds: z.number().int().min(0).max(MAX_OVERLAP_SECONDS).optional() })
  .strict();

export interface WebhookServiceDeps {
  endpoints: WebhookEndpointStore;
  deliveries: DeliveryStore;
  queue: DeliveryQueue;
  /** 'local' allows http://localhost receivers; every other stage is https to public hosts only. */
  stage: Stage;
  maxEndpointsPerTenant?: number;
  /** DNS for vetting a webhook host at registration (default: the system resolver). */
  resolve?: Resolver;
  /** How long registration waits for DNS before it leaves the vetting to send time (default 2 s). */
  resolveTimeoutMs?: number;
  now?: () => number;
}

/** DNS answers that mean the name has no address: refused at registration (anything else is retried at send). */
const NO_SUCH_NAME = new Set(['ENOTFOUND', 'ENODATA']);
const REGISTRATION_DNS_TIMEOUT_MS = 2_000;

export interface WebhookView {
  id: string;
  url: string;
  eventTypes: EventType[];
  description?: string;
  status: WebhookEndpoint['status'];
  disabledReason?: string;
  createdAt: string;
  updatedAt: string;
  /** Secrets that currently sign each delivery (more than one during a rotation's overlap). */
  secretsActive: number;
}

export type DeliveryView = Omit<
  Delivery,
  'tenant' | 'deliveryId' | 'body' | 'inFlightAttempt' | 'leaseUntil' | 'cycleStartedAt'
> & { id: string };

/**
 * The webhook use cases of the HTTP API, each scoped to the tenant the API key resolved to: endpoints
 * (create, list, get, delete, rotate the signing secret) and their delivery log (list, replay).
 * A secret is returned once, by the call that creates it, and never again.
 */
export class WebhookService {
  private readonly now: () => number;
  private readonly maxEndpoints: number;

  constructor(private readonly deps: WebhookServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.maxEndpoints = deps.maxEndpointsPerTenant ?? MAX_ENDPOINTS_PER_TENANT;
  }

  /** POST /webhooks: 201 with the endpoint and its secret (shown this once). */
  async create(tenant: string, body: unknown): Promise<WebhookView & { secret: string }> {
    const request = parseInput(CreateWebhookRequest, body);
    const url = await this.checkUrl(request.url);
    const now = new Date(this.now()).toISOString();
    const secret = generateWebhookSecret();
    const fields = {
      tenant,
      url,
      // Kept in EVENT_TYPES order, without duplicates; empty (all) when not given.
      eventTypes: request.eventTypes ? EVENT_TYPES.filter((t) => request.eventTypes?.includes(t)) : [],
      ...(request.description === undefined ? {} : { description: request.description }),
      status: 'ACTIVE' as const,
      secrets: [{ secret, createdAt: now }],
      createdAt: now,
      updatedAt: now,
    };
    // The limit without transactions or counters: check, create, check again. A creation that then
    // sees the tenant over its limit (creations raced past the first check) backs out. The last
    // survivor to be written saw every other survivor, so the limit is never exceeded. Racers that
    // backed out try again after a random pause (three rounds at most), so a race rarely refuses a
    // creation that would have fit.
    for (let round = 1; ; round++) {
      if ((await this.deps.endpoints.list(tenant)).length >= this.maxEndpoints) throw this.tooMany();
      const endpoint: WebhookEndpoint = { ...fields, endpointId: `wh_${ulid(this.now())}` };
      await this.deps.endpoints.create(endpoint);
      if ((await this.deps.endpoints.list(tenant)).length <= this.maxEndpoints) {
        return { ...this.view(endpoint), secret };
      }
      await this.deps.endpoints.delete(tenant, endpoint.endpointId);
      if (round >= CREATE_ROUNDS) throw this.tooMany();
      await sleep(Math.floor(Math.random() * 50 * round) + 5);
    }
  }

  async list(tenant: string): Promise<{ webhooks: WebhookView[] }> {
    return { webhooks: (await this.deps.endpoints.list(tenant)).map((e) => this.view(e)) };
  }

  async get(tenant: string, endpointId: string): Promise<WebhookView> {
    return this.view(await this.mustGet(tenant, endpointId));
  }

  /**
   * POST /webhooks/{id}/enable: an endpoint disabled after a 410 Gone (or any DISABLED one) receives
   * events again, from now on; its dead-lettered deliveries can then be replayed. Idempotent.
   */
  async enable(tenant: string, endpointId: string): Promise<WebhookView> {
    const endpoint = await this.mustGet(tenant, endpointId);
    if (endpoint.status === 'ACTIVE') return this.view(endpoint);
    const updatedAt = new Date(this.now()).toISOString();
    await this.deps.endpoints.setStatus(tenant, endpointId, 'ACTIVE', undefined, updatedAt);
    return this.view({ ...endpoint, status: 'ACTIVE', disabledReason: undefined, updatedAt });
  }

  /** DELETE /webhooks/{id}: no further deliveries; its delivery log is no longer listed. */
  async delete(tenant: string, endpointId: string): Promise<void> {
    if (!ENDPOINT_ID.test(endpointId) || !(await this.deps.endpoints.delete(tenant, endpointId))) {
      throw notFound('Webhook not found', `no webhook ${endpointId}`);
    }
  }

  /**
   * POST /webhooks/{id}/rotate-secret: a new secret signs from now on; the current ones keep signing
   * for `overlapSeconds` (default 24 h, 0 ends them now, e.g. after a leak), so receivers can switch
   * without missing a delivery. Returns the new secret, this once.
   */
  async rotateSecret(
    tenant: string,
    endpointId: string,
    body: unknown,
  ): Promise<WebhookView & { secret: string }> {
    const { overlapSeconds = DEFAULT_OVERLAP_SECONDS } = parseInput(RotateSecretRequest, body ?? {});
    const endpoint = await this.mustGet(tenant, endpointId);
    const now = new Date(this.now());
    const secret = generateWebhookSecret();
    const secrets = rotateSecrets(endpoint.secrets, secret, now, overlapSeconds)
      .filter((s) => !s.expiresAt || Date.parse(s.expiresAt) > now.getTime())
      .slice(0, MAX_ACTIVE_SECRETS);
    const updatedAt = now.toISOString();
    try {
      await this.deps.endpoints.putSecrets(tenant, endpointId, secrets, updatedAt, {
        ifUpdatedAt: endpoint.updatedAt,
      });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      if (!(await this.deps.endpoints.get(tenant, endpointId)))
        throw notFound('Webhook not found', `no webhook ${endpointId}`);
      throw domainError(
        'conflict',
        'CONCURRENT_CHANGE',
        'Concurrent change',
        'the webhook changed while rotating its secret; retry',
      );
    }
    return { ...this.view({ ...endpoint, secrets, updatedAt }), secret };
  }

  /** GET /webhooks/{id}/deliveries?status=&limit=&cursor=: newest first. */
  async listDeliveries(
    tenant: string,
    endpointId: string,
    query: { status?: string; limit?: string; cursor?: string },
  ): Promise<{ deliveries: DeliveryView[]; cursor?: string }> {
    const limit = query.limit === undefined ? 20 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw invalidRequest('limit must be an integer from 1 to 100');
    }
    const status = query.status;
    if (status !== undefined && !DELIVERY_STATUSES.some((s) => s === status)) {
      throw invalidRequest(`status must be one of ${DELIVERY_STATUSES.join(', ')}`);
    }
    await this.mustGet(tenant, endpointId);
    try {
      const page = await this.deps.deliveries.list(tenant, endpointId, {
        limit,
        cursor: query.cursor,
        status: status as DeliveryStatus | undefined,
      });
      return { deliveries: page.deliveries.map(deliveryView), cursor: page.cursor };
    } catch (error) {
      if (error instanceof Error && error.name === 'InvalidCursorError')
        throw invalidRequest('cursor is not valid');
      throw error;
    }
  }

  /**
   * POST /webhooks/deliveries/{id}/replay: a new cycle of attempts for any delivery (dead-lettered,
   * delivered or pending), sent with the same body and `webhook-id` so receivers can deduplicate.
   */
  async replay(tenant: string, deliveryId: string): Promise<DeliveryView> {
    const parsed = parseDeliveryId(deliveryId);
    const delivery = parsed ? await this.deps.deliveries.get(tenant, deliveryId) : undefined;
    if (!parsed || !delivery) throw notFound('Delivery not found', `no delivery ${deliveryId}`);
    const endpoint = await this.deps.endpoints.get(tenant, parsed.endpointId);
    if (!endpoint) throw notFound('Delivery not found', `no delivery ${deliveryId}: its webhook was deleted`);
    if (endpoint.status !== 'ACTIVE') {
      throw domainError(
        'invalid-state',
        'WEBHOOK_DISABLED',
        'Webhook disabled',
        `webhook ${endpoint.endpointId} is disabled${endpoint.disabledReason ? ` (${endpoint.disabledReason})` : ''}`,
      );
    }
    let restarted: Delivery | undefined;
    try {
      restarted = await this.deps.deliveries.restart(tenant, deliveryId, new Date(this.now()).toISOString());
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      throw domainError(
        'conflict',
        'DELIVERY_IN_FLIGHT',
        'Delivery in flight',
        'an attempt is being made right now; retry shortly',
      );
    }
    if (!restarted) throw notFound('Delivery not found', `no delivery ${deliveryId}`);
    await this.deps.queue.send({ tenant, deliveryId, attempt: 1 });
    return deliveryView(restarted);
  }

  private async mustGet(tenant: string, endpointId: string): Promise<WebhookEndpoint> {
    const endpoint = ENDPOINT_ID.test(endpointId)
      ? await this.deps.endpoints.get(tenant, endpointId)
      : undefined;
    if (!endpoint) throw notFound('Webhook not found', `no webhook ${endpointId}`);
    return endpoint;
  }

  /**
   * Scheme, credentials, IP spelling and an IP literal's range, then (cloud stages) every address the
   * name resolves to now: one private answer refuses it. The dispatcher checks again at send time, with
   * the addresses the name resolves to then (a name can change after registration).
   */
  private async checkUrl(input: string): Promise<string> {
    const { stage } = this.deps;
    try {
      const checked = checkWebhookUrl(input, stage);
      // A fully qualified name's trailing dot ("localhost.") names the same host.
      const host = checked.host.replace(/\.$/, '');
      if (checked.literal) vetAddresses(checked, [checked.literal], stage);
      else if (stage === 'local') {
        if (checked.url.protocol === 'http:' && checked.host !== 'localhost') {
          throw new WebhookUrlRefused('http is allowed only to localhost in the local stage');
        }
      } else if (host === 'localhost' || host.endsWith('.localhost')) {
        throw new WebhookUrlRefused(`${checked.host} is a loopback name`);
      } else if (!host.includes('.')) {
        throw new WebhookUrlRefused(`${checked.host} is not a fully qualified domain name`);
      } else {
        const addresses = await this.addressesOf(host);
        if (addresses) vetAddresses(checked, addresses, stage);
      }
      return checked.url.href;
    } catch (error) {
      if (!(error instanceof WebhookUrlRefused)) throw error;
      throw domainError('validation', 'INVALID_WEBHOOK_URL', 'Invalid webhook URL', error.message, {
        issues: [{ path: 'url', message: error.message }],
      });
    }
  }

  /** The host's addresses now; undefined when the resolver could not answer in time (not a refusal). */
  private async addressesOf(host: string): Promise<string[] | undefined> {
    let timer: NodeJS.Timeout | undefined;
    // getaddrinfo has no deadline of its own: a name whose servers never answer must not hold the request.
    const deadline = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.deps.resolveTimeoutMs ?? REGISTRATION_DNS_TIMEOUT_MS);
    });
    try {
      return await Promise.race([(this.deps.resolve ?? systemResolver)(host), deadline]);
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (NO_SUCH_NAME.has(code)) throw new WebhookUrlRefused(`${host} does not resolve (${code})`);
      // A resolver that is down now: the send-time check vets the addresses before any request.
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  private tooMany() {
    return domainError(
      'limit',
      'WEBHOOK_LIMIT',
      'Too many webhooks',
      `a tenant has at most ${this.maxEndpoints} webhooks`,
    );
  }

  private view(endpoint: WebhookEndpoint): WebhookView {
    return {
      id: endpoint.endpointId,
      url: endpoint.url,
      eventTypes: endpoint.eventTypes.length > 0 ? endpoint.eventTypes : [...EVENT_TYPES],
      ...(endpoint.description === undefined ? {} : { description: endpoint.description }),
      status: endpoint.status,
      ...(endpoint.disabledReason === undefined ? {} : { disabledReason: endpoint.disabledReason }),
      createdAt: endpoint.createdAt,
      updatedAt: endpoint.updatedAt,
      secretsActive: countActive(endpoint.secrets, new Date(this.now())),
    };
  }
}

const countActive = (secrets: readonly EndpointSecret[], now: Date) => activeSecrets(secrets, now).length;

function deliveryView(delivery: Delivery): DeliveryView {
  const {
    tenant: _tenant,
    deliveryId,
    body: _body,
    inFlightAttempt: _inFlight,
    leaseUntil: _lease,
    cycleStartedAt: _cycle,
    ...rest
  } = delivery;
  return { id: deliveryId, ...rest };
}
