/**
 * Webhook endpoints and deliveries: the records and the storage ports the webhook use cases need.
 * No AWS imports; the DynamoDB adapters live in src/adapters/aws/.
 *
 * Delivery ids are derived, not random: `dlv_{endpointId}_{eventId}`. One event reaches one endpoint at
 * most once as a delivery record (a conditional create), however often the event is published.
 */

import type { EventType } from '../contract/events.js';
import type { EndpointSecret } from './signing.js';

export type EndpointStatus = 'ACTIVE' | 'DISABLED';

export interface WebhookEndpoint {
  tenant: string;
  /** `wh_` + ULID. */
  endpointId: string;
  url: string;
  /** Event types delivered; empty means all. */
  eventTypes: EventType[];
  description?: string;
  status: EndpointStatus;
  /** Why it was disabled (e.g. "HTTP 410 Gone"). */
  disabledReason?: string;
  /** Plaintext secrets: the store encrypts them at rest and decrypts on read. */
  secrets: EndpointSecret[];
  createdAt: string;
  updatedAt: string;
}

export type DeliveryStatus = 'PENDING' | 'DELIVERED' | 'DEAD_LETTERED';

export interface DeliveryAttempt {
  attempt: number;
  at: string;
  /** HTTP status, 0 when no response. */
  status: number;
  durationMs: number;
  errorKind?: 'refused' | 'timeout' | 'network' | 'redirect';
  error?: string;
  responseSnippet?: string;
}

export interface Delivery {
  tenant: string;
  deliveryId: string;
  endpointId: string;
  eventId: string;
  eventType: EventType;
  /** The exact JSON body sent (signed per attempt). */
  body: string;
  status: DeliveryStatus;
  /** Attempts made in the current cycle (a replay starts a new cycle; history keeps every attempt). */
  attemptsMade: number;
  /** First attempt of the current cycle: the retry window counts from here. */
  cycleStartedAt?: string;
  nextAttemptAt?: string;
  /** While an attempt is in flight: its number and the time after which another dispatcher may take over. */
  inFlightAttempt?: number;
  leaseUntil?: number;
  /** Newest last, capped (the store keeps the last 50). */
  attempts: DeliveryAttempt[];
  lastError?: string;
  deadLetteredAt?: string;
  createdAt: string;
  updatedAt: string;
}

export const deliveryIdFor = (endpointId: string, eventId: string) => `dlv_${endpointId}_${eventId}`;

/** Parses a delivery id back into its endpoint and event ids; undefined if malformed. */
export function parseDeliveryId(deliveryId: string): { endpointId: string; eventId: string } | undefined {
  const match = /^dlv_(wh_[0-9A-HJKMNP-TV-Z]{26})_(evt_[A-Za-z0-9_.:-]{1,180})$/.exec(deliveryId);
  return match ? { endpointId: match[1] as string, eventId: match[2] as string } : undefined;
}

/**
 * Conflicts (an id that exists, a write whose condition no longer holds) are reported by throwing
 * `ConditionFailedError` from src/core/ports.ts, as the job store does.
 */
export interface WebhookEndpointStore {
  /** Throws ConditionFailedError when an endpoint with that id exists. */
  create(endpoint: WebhookEndpoint): Promise<void>;
  get(tenant: string, endpointId: string): Promise<WebhookEndpoint | undefined>;
  /** Every endpoint of the tenant (a tenant has few; the store caps creation). */
  /**
   * `withSecrets: false` (the fan-out) skips decrypting: `secrets` is empty, and one undecryptable
   * secret or a KMS throttle cannot stop the tenant's events from being routed.
   */
  list(tenant: string, options?: { withSecrets?: boolean }): Promise<WebhookEndpoint[]>;
  /** True when one was deleted. */
  delete(tenant: string, endpointId: string): Promise<boolean>;
  /**
   * Replaces the secrets (rotation). With `ifUpdatedAt`, only while the endpoint's updatedAt is still
   * that value (optimistic concurrency: two rotations racing must not both hand out a secret while only
   * one is stored). Throws ConditionFailedError when the endpoint is gone or was changed meanwhile.
   */
  putSecrets(
    tenant: string,
    endpointId: string,
    secrets: EndpointSecret[],
    updatedAt: string,
    options?: { ifUpdatedAt?: string },
  ): Promise<void>;
  /** A no-op when the endpoint no longer exists (deleted while a delivery was in flight). */
  setStatus(
    tenant: string,
    endpointId: string,
    status: EndpointStatus,
    reason: string | undefined,
    updatedAt: string,
  ): Promise<void>;
}

export interface DeliveryStore {
  /** Creates the delivery unless one with its id exists; returns the stored one and whether it was new. */
  createOnce(delivery: Delivery): Promise<{ delivery: Delivery; created: boolean }>;
  get(tenant: string, deliveryId: string): Promise<Delivery | undefined>;
  /** The endpoint's deliveries, newest event first, optionally only one status. */
  list(
    tenant: string,
    endpointId: string,
    options: { limit: number; cursor?: string; status?: DeliveryStatus },
  ): Promise<{ deliveries: Delivery[]; cursor?: string }>;
  /**
   * Takes attempt `attempt` (= attemptsMade + 1) for sending: only while PENDING with that many attempts
   * made and no live lease. Undefined when another dispatcher has it or it is no longer pending.
   */
  beginAttempt(
    tenant: string,
    deliveryId: string,
    attempt: number,
    leaseUntil: number,
    now: string,
  ): Promise<Delivery | undefined>;
  /**
   * Records the attempt taken with beginAttempt and the decision: still PENDING (retry at), DELIVERED or
   * DEAD_LETTERED; appends to `attempts` (the last 50 kept), increments attemptsMade, clears the lease.
   * Throws ConditionFailedError unless that attempt is still the one in flight (PENDING, inFlightAttempt =
   * attempt.attempt, attemptsMade = attempt.attempt - 1): a dispatcher whose lease was taken over and
   * finished by another, or whose delivery was restarted meanwhile, records nothing.
   */
  finishAttempt(
    tenant: string,
    deliveryId: string,
    attempt: DeliveryAttempt,
    next:
      | { status: 'PENDING'; nextAttemptAt: string; lastError: string }
      | { status: 'DELIVERED' }
      | { status: 'DEAD_LETTERED'; lastError: string },
    now: string,
  ): Promise<Delivery>;
  /**
   * Starts a new cycle (replay): PENDING, attemptsMade 0, history kept. Undefined when it does not exist.
   * Throws ConditionFailedError while an attempt holds a live lease (leaseUntil > now): restarting then
   * would let the in-flight attempt be recorded as attempt 1 of the new cycle.
   */
  restart(tenant: string, deliveryId: string, now: string): Promise<Delivery | undefined>;
}

/** Hands a delivery to the dispatcher (the delivery queue in AWS); `notBefore` for retries. */
export interface DeliveryQueue {
  send(message: DeliveryMessage, delaySeconds?: number): Promise<void>;
}

export interface DeliveryMessage {
  tenant: string;
  deliveryId: string;
  /** The attempt this message asks for. */
  attempt: number;
  /** ISO time before which the attempt must not be made (SQS delays cap at 15 min: re-delayed until then). */
  notBefore?: string;
}
