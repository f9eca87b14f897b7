/** Secrets, encryption at rest, signing checked by the `standardwebhooks` reference library, receiver dedupe. */
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { ReplayGuard, WebhookReceiver } from '../../src/webhooks/receiver.js';
import { AesGcmSecretCipher, generateWebhookSecret, secretKey } from '../../src/webhooks/secrets.js';
import { activeSecrets, rotateSecrets, signWebhook } from '../../src/webhooks/signing.js';

const body = JSON.stringify({ type: 'media.job.completed', data: { jobId: 'j1', progress: 100 } });

describe('webhook secrets', () => {
  it('are whsec_ + base64 of 32 random bytes by default, never repeated', () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(secretKey(a)).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(a);
    expect(secretKey(generateWebhookSecret(24))).toHaveLength(24);
  });

  it('refuse fewer than 24 bytes and malformed secrets', () => {
    expect(() => generateWebhookSecret(16)).toThrow(RangeError);
    expect(() => secretKey(`whsec_${Buffer.alloc(16).toString('base64')}`)).toThrow(/24/);
    expect(() => secretKey(Buffer.alloc(32).toString('base64'))).toThrow(/whsec_/);
    expect(() => secretKey('whsec_not base64!')).toThrow(/base64/);
  });

  it('round-trip through AES-256-GCM, bound to their context, tamper-evident', async () => {
    const cipher = new AesGcmSecretCipher(Buffer.alloc(32, 7));
    const secret = generateWebhookSecret();
    const context = { tenant: 'acme', endpointId: 'ep1' };
    const stored = await cipher.encrypt(secret, context);
    expect(stored).toMatch(/^gcm1\./);
    expect(stored).not.toContain(secret.slice(6, 20));
    expect(await cipher.encrypt(secret, context)).not.toBe(stored); // random IV
    expect(await cipher.decrypt(stored, { endpointId: 'ep1', tenant: 'acme' })).toBe(secret);
    await expect(cipher.decrypt(stored, { tenant: 'other', endpointId: 'ep1' })).rejects.toThrow();
    const [f, iv, tag, ct] = stored.split('.') as [string, string, string, string];
    const flipped = Buffer.from(ct, 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    await expect(
      cipher.decrypt([f, iv, tag, flipped.toString('base64url')].join('.'), context),
    ).rejects.toThrow();
    await expect(new AesGcmSecretCipher(Buffer.alloc(32, 8)).decrypt(stored, context)).rejects.toThrow();
    expect(() => new AesGcmSecretCipher(Buffer.alloc(16))).toThrow(RangeError);
  });
});

describe('signing, verified by the standardwebhooks library', () => {
  const secret = generateWebhookSecret();

  it('produces the spec headers, and Webhook.verify accepts them', () => {
    const headers = signWebhook({ id: 'msg_1', body, secrets: [secret] });
    expect(headers['webhook-id']).toBe('msg_1');
    expect(headers['webhook-timestamp']).toMatch(/^\d{10}$/);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('matches the library’s own signature for the same id, time and body', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    const headers = signWebhook({ id: 'msg_2', body, secrets: [secret], timestamp: at });
    expect(headers['webhook-signature']).toBe(new Webhook(secret).sign('msg_2', at, body));
  });

  it('is rejected for a tampered body, a wrong secret, a changed id, a stale or future timestamp', () => {
    const wh = new Webhook(secret);
    const headers = { ...signWebhook({ id: 'msg_3', body, secrets: [secret] }) };
    expect(() => wh.verify(body.replace('j1', 'j2'), headers)).toThrow(WebhookVerificationError);
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers)).toThrow(/No matching signature/);
    expect(() => wh.verify(body, { ...headers, 'webhook-id': 'msg_4' })).toThrow(WebhookVerificationError);
    const stale = signWebhook({
      id: 'msg_5',
      body,
      secrets: [secret],
      timestamp: new Date(Date.now() - 301_000),
    });
    expect(() => wh.verify(body, { ...stale })).toThrow(/too old/);
    const future = signWebhook({
      id: 'msg_6',
      body,
      secrets: [secret],
      timestamp: new Date(Date.now() + 301_000),
    });
    expect(() => wh.verify(body, { ...future })).toThrow(/too new/);
    const fresh = signWebhook({
      id: 'msg_7',
      body,
      secrets: [secret],
      timestamp: new Date(Date.now() - 240_000),
    });
    expect(() => wh.verify(body, { ...fresh })).not.toThrow();
  });

  it('sends both signatures during a rotation overlap; each secret verifies; the old one stops after it', () => {
    const t0 = new Date('2026-01-01T00:00:00Z');
    const oldSecret = generateWebhookSecret();
    const newSecret = generateWebhookSecret();
    const rotated = rotateSecrets(
      [{ secret: oldSecret, createdAt: '2025-06-01T00:00:00Z' }],
      newSecret,
      t0,
      3600,
    );
    const during = new Date(t0.getTime() + 1800_000);
    expect(activeSecrets(rotated, during)).toEqual([newSecret, oldSecret]);
    const headers = { ...signWebhook({ id: 'msg_8', body, secrets: activeSecrets(rotated, during) }) };
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(oldSecret).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(newSecret).verify(body, headers)).not.toThrow();
    const after = activeSecrets(rotated, new Date(t0.getTime() + 3601_000));
    expect(after).toEqual([newSecret]);
    const later = { ...signWebhook({ id: 'msg_9', body, secrets: after }) };
    expect(() => new Webhook(oldSecret).verify(body, later)).toThrow(WebhookVerificationError);
    expect(() => new Webhook(newSecret).verify(body, later)).not.toThrow();
  });

  it('refuses to sign without a secret or with an id that would make the signed string ambiguous', () => {
    expect(() => signWebhook({ id: 'x', body, secrets: [] })).toThrow(/secret/);
    expect(() => signWebhook({ id: 'a.b', body, secrets: [secret] })).toThrow(/id/);
    expect(() => signWebhook({ id: 'a b', body, secrets: [secret] })).toThrow(/id/);
  });
});

describe('receiver: verification and replay protection', () => {
  const secret = generateWebhookSecret();

  it('accepts a delivery once, then reports the same webhook-id as a duplicate (replay rejected)', () => {
    const receiver = new WebhookReceiver([secret]);
    const headers = { ...signWebhook({ id: 'msg_r1', body, secrets: [secret] }) };
    expect(receiver.receive(body, headers)).toEqual({
      duplicate: false,
      id: 'msg_r1',
      payload: JSON.parse(body),
    });
    expect(receiver.receive(body, headers)).toEqual({ duplicate: true, id: 'msg_r1' });
    // a retry re-signed with a new timestamp but the same id is also a duplicate
    const resigned = {
      ...signWebhook({ id: 'msg_r1', body, secrets: [secret], timestamp: new Date(Date.now() + 5000) }),
    };
    expect(receiver.receive(body, resigned).duplicate).toBe(true);
  });

  it('rejects invalid signatures before recording the id (a forged request cannot burn a real id)', () => {
    const receiver = new WebhookReceiver([secret]);
    const forged = { ...signWebhook({ id: 'msg_r2', body, secrets: [generateWebhookSecret()] }) };
    expect(() => receiver.receive(body, forged)).toThrow(WebhookVerificationError);
    const real = { ...signWebhook({ id: 'msg_r2', body, secrets: [secret] }) };
    expect(receiver.receive(body, real).duplicate).toBe(false);
  });

  it('verifies with any of its secrets (receiver side of a rotation)', () => {
    const next = generateWebhookSecret();
    const receiver = new WebhookReceiver([next, secret]);
    expect(
      receiver.receive(body, { ...signWebhook({ id: 'msg_r3', body, secrets: [secret] }) }).duplicate,
    ).toBe(false);
    expect(
      receiver.receive(body, { ...signWebhook({ id: 'msg_r4', body, secrets: [next] }) }).duplicate,
    ).toBe(false);
  });

  it('forgets ids after the TTL and stays bounded', () => {
    const guard = new ReplayGuard(1000, 2);
    expect(guard.firstSeen('a', 0)).toBe(true);
    expect(guard.firstSeen('a', 999)).toBe(false);
    expect(guard.firstSeen('a', 2000)).toBe(true);
    expect(guard.firstSeen('b', 2001)).toBe(true);
    expect(guard.firstSeen('c', 2002)).toBe(true); // evicts the oldest ('a')
    expect(guard.firstSeen('a', 2003)).toBe(true);
    expect(guard.firstSeen('c', 2004)).toBe(false);
  });
});
