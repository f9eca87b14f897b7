/**
 * Standard Webhooks signing (https://www.standardwebhooks.com, spec "Signature scheme"):
 * `webhook-signature` is `v1,<base64 HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>")>`,
 * with one space-separated signature per active secret while a rotation overlaps.
 *
 * Sign at send time, on every attempt: the timestamp must be fresh (receivers reject > 5 min skew),
 * while `webhook-id` stays the same across retries and replays so receivers can deduplicate.
 */
import { createHmac } from 'node:crypto';
import { secretKey } from './secrets.js';

export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export function signature(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secretKey(secret)).update(`${id}.${timestampSeconds}.${body}`, 'utf8');
  return `v1,${mac.digest('base64')}`;
}

export interface SignInput {
  id: string;
  body: string;
  /** Active secrets, newest first (during a rotation overlap: new and old). */
  secrets: readonly string[];
  /** Defaults to now. */
  timestamp?: Date;
}

export function signWebhook({ id, body, secrets, timestamp = new Date() }: SignInput): WebhookHeaders {
  if (secrets.length === 0) throw new Error('no active secret to sign with');
  if (!/^[^\s.]{1,255}$/.test(id))
    throw new Error('a webhook id has 1-255 characters, no whitespace or dots');
  const seconds = Math.floor(timestamp.getTime() / 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(seconds),
    'webhook-signature': secrets.map((s) => signature(s, id, seconds, body)).join(' '),
  };
}

/** An endpoint's secret: after a rotation the old one keeps signing until `expiresAt`. */
export interface EndpointSecret {
  secret: string;
  createdAt: string;
  expiresAt?: string;
}

/** The secrets to sign with at `now`, newest first. */
export function activeSecrets(secrets: readonly EndpointSecret[], now: Date): string[] {
  return secrets
    .filter((s) => !s.expiresAt || Date.parse(s.expiresAt) > now.getTime())
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))
    .map((s) => s.secret);
}

/** Rotation: a new secret now, the current ones kept for `overlapSeconds` (default 24 h). */
export function rotateSecrets(
  secrets: readonly EndpointSecret[],
  newSecret: string,
  now: Date,
  overlapSeconds = 24 * 3600,
): EndpointSecret[] {
  const until = new Date(now.getTime() + overlapSeconds * 1000);
  const kept = secrets
    .filter((s) => !s.expiresAt || Date.parse(s.expiresAt) > now.getTime())
    .map((s) => ({
      ...s,
      expiresAt: s.expiresAt && Date.parse(s.expiresAt) < until.getTime() ? s.expiresAt : until.toISOString(),
    }));
  return [{ secret: newSecret, createdAt: now.toISOString() }, ...kept];
}
