import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConditionFailedError } from '../../core/ports.js';
import { deliveryReconcileAt, reconcileShard } from '../../reconciler/schedule.js';
import {
  type Delivery,
  type DeliveryAttempt,
  type DeliveryStatus,
  type DeliveryStore,
  deliveryIdFor,
  parseDeliveryId,
} from '../../webhooks/ports.js';
import { documentClientOrDefault } from './clients.js';
import {
  epochMs,
  type FinishDecision,
  finishAttemptUpdate,
  MAX_ATTEMPTS_KEPT,
  NAMES,
  toDelivery,
} from './dynamodb-delivery-item.js';
import { type CursorKey, decodeCursor, encodeCursor } from './dynamodb-list-cursor.js';
import { isConditionFailed } from './dynamodb-webhook-endpoint-store.js';
import { itemKey, RECONCILE_INDEX, SK_PREFIX, tenantPk } from './jobs-table-layout.js';

/**
 * Webhook deliveries in the jobs table:
 *   delivery   pk TENANT#{tenant}   sk DELIVERY#{endpointId}#{eventId}   the Delivery's attributes
 * An endpoint's deliveries are one Query (begins_with DELIVERY#{endpointId}#). Event ids are
 * `evt_{job ULID}_{attempt}_{kind}`, so descending sk order is newest job first (events of one job in
 * attempt, then kind order): "roughly newest first", which is what a delivery log needs.
 *
 * Every change is one conditional write; the attempt protocol (beginAttempt → send → finishAttempt)
 * is documented on the DeliveryStore port.
 */
export const DELIVERY_SK_PREFIX = SK_PREFIX.delivery;
export { MAX_ATTEMPTS_KEPT };

/** Queries one filtered list call may make before it returns a short page with a cursor. */
const MAX_QUERIES_PER_LIST = 10;

const RECONCILE_NAMES = {
  '#reconcileShard': RECONCILE_INDEX.partitionKey,
  '#reconcileAt': RECONCILE_INDEX.sortKey,
  '#reconcileRuns': 'reconcileRuns',
};

const endpointPrefix = (endpointId: string) => `${DELIVERY_SK_PREFIX}${endpointId}#`;

export interface DynamoDbDeliveryStoreOptions {
  tableName: string;
  client?: DynamoDBDocumentClient | DynamoDBClient;
}

export class DynamoDbDeliveryStore implements DeliveryStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: DynamoDbDeliveryStoreOptions) {
    this.client = documentClientOrDefault(options.client);
    this.tableName = options.tableName;
  }

  async createOnce(delivery: Delivery): Promise<{ delivery: Delivery; created: boolean }> {
    const parsed = parseDeliveryId(delivery.deliveryId);
    if (!parsed || parsed.endpointId !== delivery.endpointId || parsed.eventId !== delivery.eventId) {
      throw new TypeError(`delivery id ${delivery.deliveryId} does not match its endpoint and event`);
    }
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...delivery,
            ...this.key(delivery.tenant, delivery.deliveryId),
            ...createdReconcileAttributes(delivery),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { delivery, created: true };
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
    const existing = await this.get(delivery.tenant, delivery.deliveryId);
    if (!existing) throw new Error(`delivery ${delivery.deliveryId} vanished after a conflicting write`);
    return { delivery: existing, created: false };
  }

  async get(tenant: string, deliveryId: string): Promise<Delivery | undefined> {
    if (!parseDeliveryId(deliveryId)) return undefined;
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: this.key(tenant, deliveryId), ConsistentRead: true }),
    );
    return out.Item ? toDelivery(out.Item) : undefined;
  }

  async list(
    tenant: string,
    endpointId: string,
    options: { limit: number; cursor?: string; status?: DeliveryStatus },
  ): Promise<{ deliveries: Delivery[]; cursor?: string }> {
    const { limit, status } = options;
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`invalid list limit ${limit}`);
    const pk = tenantPk(tenant);
    const prefix = endpointPrefix(endpointId);
    let startKey: CursorKey | undefined =
      options.cursor === undefined ? undefined : decodeCursor(options.cursor, pk, prefix);
    const items: Record<string, unknown>[] = [];
    // One item more than asked, so a cursor is returned only when another page really exists. With a
    // status filter a page may hold fewer matches than read: keep querying, within a bound.
    for (let queries = 0; queries < MAX_QUERIES_PER_LIST; queries++) {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ...(status
            ? {
                FilterExpression: '#status = :status',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix, ':status': status },
              }
            : { ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix } }),
          ScanIndexForward: false,
          Limit: status ? Math.max(limit + 1, 100) : limit + 1 - items.length,
          ExclusiveStartKey: startKey,
          ConsistentRead: true,
        }),
      );
      items.push(...(out.Items ?? []));
      const lek = out.LastEvaluatedKey;
      startKey = lek ? { pk: String(lek.pk), sk: String(lek.sk) } : undefined;
      if (items.length > limit) {
        const page = items.slice(0, limit);
        const last = page[page.length - 1] as Record<string, unknown>;
        return { deliveries: page.map(toDelivery), cursor: encodeCursor({ pk, sk: String(last.sk) }) };
      }
      if (!startKey) break;
    }
    // Exhausted (no cursor), or the query bound / 1 MB page limit cut it short (cursor where it stopped).
    return { deliveries: items.map(toDelivery), cursor: startKey ? encodeCursor(startKey) : undefined };
  }

  async beginAttempt(
    tenant: string,
    deliveryId: string,
    attempt: number,
    leaseUntil: number,
    now: string,
  ): Promise<Delivery | undefined> {
    if (!Number.isSafeInteger(attempt) || attempt < 1) throw new RangeError(`invalid attempt ${attempt}`);
    if (!parseDeliveryId(deliveryId)) return undefined;
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(tenant, deliveryId),
          // The reconcile index looks again once the lease has expired (the dispatcher died mid-attempt).
          UpdateExpression:
            'SET #inFlight = :attempt, #leaseUntil = :leaseUntil, #updatedAt = :now, ' +
            '#cycleStartedAt = if_not_exists(#cycleStartedAt, :now), ' +
            '#reconcileShard = :reconcileShard, #reconcileAt = :reconcileAt REMOVE #nextAttemptAt, #reconcileRuns',
          ConditionExpression:
            '#status = :pending AND #attemptsMade = :made AND ' +
            '(attribute_not_exists(#leaseUntil) OR #leaseUntil <= :nowMs)',
          ExpressionAttributeNames: {
            ...NAMES,
            '#cycleStartedAt': 'cycleStartedAt',
            '#nextAttemptAt': 'nextAttemptAt',
            ...RECONCILE_NAMES,
          },
          ExpressionAttributeValues: {
            ':attempt': attempt,
            ':made': attempt - 1,
            ':leaseUntil': leaseUntil,
            ':reconcileShard': reconcileShard(deliveryId),
            ':reconcileAt': deliveryReconcileAt({ status: 'PENDING', now: epochMs(now), leaseUntil }),
            ':now': now,
            ':nowMs': epochMs(now),
            ':pending': 'PENDING',
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toDelivery(out.Attributes ?? {});
    } catch (error) {
      if (isConditionFailed(error)) return undefined;
      throw error;
    }
  }

  async finishAttempt(
    tenant: string,
    deliveryId: string,
    attempt: DeliveryAttempt,
    next: FinishDecision,
    now: string,
  ): Promise<Delivery> {
    const update = finishAttemptUpdate(deliveryId, attempt, next, now);
    let item: Record<string, unknown>;
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(tenant, deliveryId),
          ...update,
          ReturnValues: 'ALL_NEW',
        }),
      );
      item = out.Attributes ?? {};
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      throw new ConditionFailedError(
        `delivery ${deliveryId}: attempt ${attempt.attempt} is not in flight (finished or restarted meanwhile)`,
      );
    }
    const history = (item.attempts ?? []) as DeliveryAttempt[];
    if (history.length > MAX_ATTEMPTS_KEPT) await this.trimHistory(tenant, deliveryId, history);
    return toDelivery(item);
  }

  async restart(tenant: string, deliveryId: string, now: string): Promise<Delivery | undefined> {
    if (!parseDeliveryId(deliveryId)) return undefined;
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(tenant, deliveryId),
          UpdateExpression:
            'SET #status = :pending, #attemptsMade = :zero, #updatedAt = :now, ' +
            '#reconcileShard = :reconcileShard, #reconcileAt = :reconcileAt ' +
            'REMOVE #inFlight, #leaseUntil, #cycleStartedAt, #nextAttemptAt, #deadLetteredAt, #reconcileRuns',
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(#leaseUntil) OR #leaseUntil <= :nowMs)',
          ExpressionAttributeNames: {
            ...NAMES,
            '#cycleStartedAt': 'cycleStartedAt',
            '#nextAttemptAt': 'nextAttemptAt',
            '#deadLetteredAt': 'deadLetteredAt',
            ...RECONCILE_NAMES,
          },
          ExpressionAttributeValues: {
            ':reconcileShard': reconcileShard(deliveryId),
            ':reconcileAt': deliveryReconcileAt({ status: 'PENDING', now: epochMs(now) }),
            ':pending': 'PENDING',
            ':zero': 0,
            ':now': now,
            ':nowMs': epochMs(now),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toDelivery(out.Attributes ?? {});
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
    if (!(await this.get(tenant, deliveryId))) return undefined;
    throw new ConditionFailedError(`delivery ${deliveryId} has an attempt in flight`);
  }

  /**
   * Drops the oldest attempts past MAX_ATTEMPTS_KEPT by writing back the newest ones, conditional on the
   * list still having the length just written (any other change to it appends or trims, so a stale
   * list is never written back). When the condition fails the next finishAttempt trims instead; reads
   * never return more than the cap anyway. (A SET rather than `REMOVE attempts[0], attempts[1]`:
   * dynalite applies multi-index removes one after another, DynamoDB against the original indexes.)
   */
  private async trimHistory(tenant: string, deliveryId: string, history: DeliveryAttempt[]): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(tenant, deliveryId),
          UpdateExpression: 'SET #attempts = :kept',
          ConditionExpression: 'size(#attempts) = :length',
          ExpressionAttributeNames: { '#attempts': 'attempts' },
          ExpressionAttributeValues: {
            ':kept': history.slice(-MAX_ATTEMPTS_KEPT),
            ':length': history.length,
          },
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
  }

  private key(tenant: string, deliveryId: string) {
    return deliveryKey(tenant, deliveryId);
  }
}

function createdReconcileAttributes(delivery: Delivery): Record<string, unknown> {
  const at = deliveryReconcileAt({
    status: delivery.status,
    now: epochMs(delivery.updatedAt),
    nextAttemptAt: delivery.nextAttemptAt,
    leaseUntil: delivery.leaseUntil,
  });
  if (at === null) return {};
  return {
    [RECONCILE_INDEX.partitionKey]: reconcileShard(delivery.deliveryId),
    [RECONCILE_INDEX.sortKey]: at,
  };
}

/** The delivery item's key (the reconcile index reads and postpones deliveries by it). */
export function deliveryKey(tenant: string, deliveryId: string) {
  const parsed = parseDeliveryId(deliveryId);
  if (!parsed) throw new TypeError(`malformed delivery id ${deliveryId}`);
  return itemKey.delivery(tenant, parsed.endpointId, parsed.eventId);
}

/** The delivery id of a delivery item's sort key; undefined for other items. */
export function deliveryIdOfSk(sk: string): string | undefined {
  const match = /^DELIVERY#(wh_[^#]+)#(evt_.+)$/.exec(sk);
  return match ? deliveryIdFor(match[1] as string, match[2] as string) : undefined;
}
