import { deliveryReconcileAt } from '../../reconciler/schedule.js';
import type { Delivery, DeliveryAttempt } from '../../webhooks/ports.js';
import { addReconcileClause } from './reconcile-attributes.js';

/**
 * The delivery item's shape and the pieces of the delivery store's conditional writes that need no I/O
 * (kept apart from the store so each stays readable).
 */

/** Attempts kept per delivery (newest last); older ones are trimmed. */
export const MAX_ATTEMPTS_KEPT = 50;
/** Limits on the text an attempt record carries (the item must stay far below 400 KB). */
const MAX_ERROR_CHARS = 1000;
const MAX_SNIPPET_CHARS = 1024;

/** Attribute names the attempt protocol's expressions share. */
export const NAMES = {
  '#status': 'status',
  '#attemptsMade': 'attemptsMade',
  '#inFlight': 'inFlightAttempt',
  '#leaseUntil': 'leaseUntil',
  '#updatedAt': 'updatedAt',
};

export type FinishDecision =
  | { status: 'PENDING'; nextAttemptAt: string; lastError: string }
  | { status: 'DELIVERED' }
  | { status: 'DEAD_LETTERED'; lastError: string };

/**
 * finishAttempt's update: only while `attempt` is the one in flight (PENDING, inFlightAttempt =
 * attempt, attemptsMade = attempt - 1); appends the record, counts it, clears the lease, and applies
 * the decision.
 */
export function finishAttemptUpdate(
  deliveryId: string,
  attempt: DeliveryAttempt,
  next: FinishDecision,
  now: string,
) {
  const names: Record<string, string> = {
    ...NAMES,
    '#attempts': 'attempts',
    '#nextAttemptAt': 'nextAttemptAt',
  };
  const values: Record<string, unknown> = {
    ':attempt': attempt.attempt,
    ':made': attempt.attempt - 1,
    ':pending': 'PENDING',
    ':status': next.status,
    ':record': [trimAttempt(attempt)],
    ':empty': [],
    ':one': 1,
    ':now': now,
  };
  const sets = [
    '#status = :status',
    '#attempts = list_append(if_not_exists(#attempts, :empty), :record)',
    '#attemptsMade = #attemptsMade + :one',
    '#updatedAt = :now',
  ];
  const removes = ['#inFlight', '#leaseUntil'];
  // Still PENDING: its retry message must arrive by then (else the reconciler sends another); ended
  // (DELIVERED or DEAD_LETTERED): it leaves the reconcile index.
  const nextAttemptAt = next.status === 'PENDING' ? next.nextAttemptAt : undefined;
  const at = deliveryReconcileAt({ status: next.status, now: epochMs(now), nextAttemptAt });
  addReconcileClause(names, values, sets, removes, deliveryId, at);
  // DynamoDB refuses names and values the expressions do not use: add them with their clauses.
  if (next.status !== 'DELIVERED') names['#lastError'] = 'lastError';
  if (next.status === 'PENDING') {
    sets.push('#nextAttemptAt = :nextAttemptAt', '#lastError = :lastError');
    values[':nextAttemptAt'] = next.nextAttemptAt;
    values[':lastError'] = next.lastError.slice(0, MAX_ERROR_CHARS);
  } else if (next.status === 'DEAD_LETTERED') {
    names['#deadLetteredAt'] = 'deadLetteredAt';
    sets.push('#lastError = :lastError', '#deadLetteredAt = :now');
    values[':lastError'] = next.lastError.slice(0, MAX_ERROR_CHARS);
    removes.push('#nextAttemptAt');
  } else {
    removes.push('#nextAttemptAt');
  }
  return {
    UpdateExpression: `SET ${sets.join(', ')} REMOVE ${removes.join(', ')}`,
    ConditionExpression: '#status = :pending AND #inFlight = :attempt AND #attemptsMade = :made',
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

export function epochMs(iso: string): number {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new RangeError(`invalid timestamp ${iso}`);
  return ms;
}

function trimAttempt(attempt: DeliveryAttempt): DeliveryAttempt {
  return {
    ...attempt,
    ...(attempt.error === undefined ? {} : { error: attempt.error.slice(0, MAX_ERROR_CHARS) }),
    ...(attempt.responseSnippet === undefined
      ? {}
      : { responseSnippet: attempt.responseSnippet.slice(0, MAX_SNIPPET_CHARS) }),
  };
}

export function toDelivery(item: Record<string, unknown>): Delivery {
  // The reconcile index attributes are the store's bookkeeping, not part of the delivery.
  const {
    pk: _pk,
    sk: _sk,
    reconcileShard: _shard,
    reconcileAt: _at,
    reconcileRuns: _runs,
    ...delivery
  } = item;
  const attempts = (delivery.attempts ?? []) as DeliveryAttempt[];
  return { ...delivery, attempts: attempts.slice(-MAX_ATTEMPTS_KEPT) } as unknown as Delivery;
}
