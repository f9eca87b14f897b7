/**
 * Receiver side, for the local `webhooks listen` receiver and as a reference for customers: verify
 * with the `standardwebhooks` library (signature and ±5 min timestamp tolerance), then deduplicate on
 * `webhook-id`. The library does not remember ids, so replay protection is this guard's job.
 *
 * How long to remember ids: a replay of a captured request is only accepted within the library's
 * 5 min tolerance (either side), so 10 min stops replays; but the sender retries with the same id and
 * a fresh signature for about a day, so deduplicating deliveries needs the ids for longer than the
 * retry window (default 25 h). The guard is bounded (oldest ids evicted first).
 */
import { Webhook } from 'standardwebhooks';

export class ReplayGuard {
  readonly #seen = new Map<string, number>();

  constructor(
    private readonly ttlMs = 25 * 3600_000,
    private readonly maxEntries = 100_000,
  ) {}

  /** True the first time an id is seen (within the TTL); false for a duplicate. */
  firstSeen(id: string, nowMs = Date.now()): boolean {
    const at = this.#seen.get(id);
    if (at !== undefined && nowMs - at < this.ttlMs) return false;
    this.#seen.delete(id);
    this.#seen.set(id, nowMs);
    for (const [key, time] of this.#seen) {
      if (this.#seen.size <= this.maxEntries && nowMs - time < this.ttlMs) break;
      this.#seen.delete(key);
    }
    return true;
  }
}

export type Received = { duplicate: false; id: string; payload: unknown } | { duplicate: true; id: string };

/** Verifies (throws WebhookVerificationError when invalid) and reports duplicates. */
export class WebhookReceiver {
  readonly #verifiers: Webhook[];

  constructor(
    secrets: readonly string[],
    readonly guard = new ReplayGuard(),
  ) {
    if (secrets.length === 0) throw new Error('a receiver needs at least one secret');
    this.#verifiers = secrets.map((s) => new Webhook(s));
  }

  receive(body: string, headers: Record<string, string>, nowMs = Date.now()): Received {
    let payload: unknown;
    let lastError: unknown;
    const verified = this.#verifiers.some((verifier) => {
      try {
        payload = verifier.verify(body, headers);
        return true;
      } catch (error) {
        lastError = error;
        return false;
      }
    });
    if (!verified) throw lastError;
    const id = Object.entries(headers).find(([k]) => k.toLowerCase() === 'webhook-id')?.[1] as string;
    return this.guard.firstSeen(id, nowMs) ? { duplicate: false, id, payload } : { duplicate: true, id };
  }
}
