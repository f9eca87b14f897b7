import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Emulators, startEmulators } from '../../../local/emulators.js';
import { type KmsFront, type LocalKey, LocalKms, startKmsFront } from '../../../local/kms-front.js';
import { documentClientFor } from '../../../src/adapters/aws/clients.js';
import { DynamoDbWebhookEndpointStore } from '../../../src/adapters/aws/dynamodb-webhook-stores.js';
import {
  formatKmsCiphertext,
  KmsSecretCipher,
  parseKmsCiphertext,
} from '../../../src/adapters/aws/kms-secret-cipher.js';
import { generateWebhookSecret } from '../../../src/webhooks/secrets.js';
import { createJobsTable } from '../../support/jobs-table.js';

const localKey = (name: string): LocalKey => {
  const keyId = randomUUID();
  return {
    logicalId: name,
    keyId,
    arn: `arn:aws:kms:us-east-1:000000000000:key/${keyId}`,
    enabled: true,
    keySpec: 'SYMMETRIC_DEFAULT',
    keyUsage: 'ENCRYPT_DECRYPT',
    description: name,
  };
};
const secretsKey = localKey('WebhookSecretsKey');
const otherKey = localKey('OtherKey');
const context = { tenant: 'acme', endpointId: 'wh_01ARZ3NDEKTSV4RRFFQ69G5FAV' };
let front: KmsFront;
let client: KMSClient;

beforeAll(async () => {
  front = await startKmsFront(
    new LocalKms([secretsKey, otherKey], { 'alias/webhook-secrets': secretsKey.keyId }),
  );
  client = new KMSClient({ endpoint: front.endpoint, maxAttempts: 1 });
});

afterAll(async () => {
  client?.destroy();
  await front?.stop();
});

describe('kms1 format', () => {
  it('round-trips a blob as kms1.<base64>', () => {
    const blob = new Uint8Array([0, 1, 2, 250, 251, 252, 253]);
    const text = formatKmsCiphertext(blob);
    expect(text).toBe(`kms1.${Buffer.from(blob).toString('base64')}`);
    expect(parseKmsCiphertext(text)).toEqual(blob);
  });

  it('refuses anything else before calling KMS', async () => {
    for (const bad of [
      '',
      'kms1',
      'kms1.',
      'kms2.AAAA',
      'gcm1.AAAA.BBBB.CCCC',
      'kms1.AA$A',
      'kms1.AAA',
      'kms1.AAAA.',
    ]) {
      expect(() => parseKmsCiphertext(bad), bad).toThrow();
    }
    const send = vi.fn();
    const cipher = new KmsSecretCipher({ keyId: secretsKey.keyId, client: { send } as unknown as KMSClient });
    await expect(cipher.decrypt('gcm1.a.b.c', context)).rejects.toThrow(/kms1/);
    expect(send).not.toHaveBeenCalled();
  });
});

describe('KmsSecretCipher (local KMS front)', () => {
  it('encrypts to kms1 and decrypts with the same context, by key id, ARN or alias', async () => {
    const secret = generateWebhookSecret();
    for (const keyId of [secretsKey.keyId, secretsKey.arn, 'alias/webhook-secrets']) {
      const cipher = new KmsSecretCipher({ keyId, client, cacheTtlMs: 0 });
      const text = await cipher.encrypt(secret, context);
      expect(text).toMatch(/^kms1\.[A-Za-z0-9+/]+={0,2}$/);
      expect(text).not.toContain(secret.slice('whsec_'.length));
      expect(await cipher.decrypt(text, { endpointId: context.endpointId, tenant: context.tenant })).toBe(
        secret,
      );
    }
  });

  it('binds the ciphertext to the encryption context: another tenant or endpoint cannot decrypt it', async () => {
    const cipher = new KmsSecretCipher({ keyId: secretsKey.keyId, client });
    const text = await cipher.encrypt(generateWebhookSecret(), context);
    await expect(cipher.decrypt(text, { ...context, tenant: 'other' })).rejects.toThrow();
    await expect(
      cipher.decrypt(text, { ...context, endpointId: 'wh_01ARZ3NDEKTSV4RRFFQ69G5FAW' }),
    ).rejects.toThrow();
    await expect(cipher.decrypt(text, {})).rejects.toThrow();
  });

  it('refuses a blob made under another key (Decrypt names the configured key)', async () => {
    const other = new KmsSecretCipher({ keyId: otherKey.keyId, client, cacheTtlMs: 0 });
    const text = await other.encrypt(generateWebhookSecret(), context);
    const cipher = new KmsSecretCipher({ keyId: secretsKey.keyId, client, cacheTtlMs: 0 });
    await expect(cipher.decrypt(text, context)).rejects.toThrow();
  });

  it('caches secrets per ciphertext and context (from encrypt and decrypt), for the TTL only', async () => {
    let now = 0;
    const cipher = new KmsSecretCipher({ keyId: secretsKey.keyId, client, cacheTtlMs: 1000, now: () => now });
    const secret = generateWebhookSecret();
    const text = await cipher.encrypt(secret, context);
    const send = vi.spyOn(client, 'send');
    try {
      const decrypts = () => send.mock.calls.filter(([c]) => c instanceof DecryptCommand).length;
      // Known from the encryption: no Decrypt, whatever order the context's keys come in.
      expect(await cipher.decrypt(text, { endpointId: context.endpointId, tenant: context.tenant })).toBe(
        secret,
      );
      expect(decrypts()).toBe(0);
      // Another context is another entry, and still fails.
      await expect(cipher.decrypt(text, { ...context, tenant: 'other' })).rejects.toThrow();
      expect(decrypts()).toBe(1);
      now = 1001;
      expect(await cipher.decrypt(text, context)).toBe(secret);
      expect(await cipher.decrypt(text, context)).toBe(secret);
      expect(decrypts()).toBe(2);
      // A cipher in another process (no cache) decrypts through KMS.
      const fresh = new KmsSecretCipher({ keyId: secretsKey.keyId, client });
      expect(await fresh.decrypt(text, context)).toBe(secret);
      expect(decrypts()).toBe(3);
    } finally {
      send.mockRestore();
    }
  });

  it('refuses empty and oversized plaintexts locally', async () => {
    const cipher = new KmsSecretCipher({ keyId: secretsKey.keyId, client });
    await expect(cipher.encrypt('', context)).rejects.toThrow(RangeError);
    await expect(cipher.encrypt('x'.repeat(4097), context)).rejects.toThrow(RangeError);
  });
});

describe('DynamoDbWebhookEndpointStore with KmsSecretCipher (dynalite + local KMS)', () => {
  let emulators: Emulators;
  let dynamo: DynamoDBClient;

  beforeAll(async () => {
    emulators = await startEmulators();
    dynamo = new DynamoDBClient({ endpoint: emulators.dynamodb.endpoint, maxAttempts: 2 });
    await createJobsTable(dynamo, 'kms-endpoints-test');
  });

  afterAll(async () => {
    dynamo?.destroy();
    await emulators?.stop();
  });

  it('stores kms1 ciphertexts only, and reads the secrets back through KMS', async () => {
    const tableName = 'kms-endpoints-test';
    const writer = new DynamoDbWebhookEndpointStore({
      tableName,
      client: dynamo,
      cipher: new KmsSecretCipher({ keyId: 'alias/webhook-secrets', client }),
    });
    const secret = generateWebhookSecret();
    const at = '2030-01-01T00:00:00.000Z';
    const endpoint = {
      tenant: context.tenant,
      endpointId: context.endpointId,
      url: 'https://hooks.example.com/',
      eventTypes: [],
      status: 'ACTIVE' as const,
      secrets: [{ secret, createdAt: at }],
      createdAt: at,
      updatedAt: at,
    };
    await writer.create(endpoint);
    const raw = await documentClientFor(dynamo).send(
      new GetCommand({
        TableName: tableName,
        Key: { pk: 'TENANT#acme', sk: `WEBHOOK#${context.endpointId}` },
      }),
    );
    expect(JSON.stringify(raw.Item)).not.toContain(secret.slice('whsec_'.length));
    expect(raw.Item?.secrets).toEqual([{ ciphertext: expect.stringMatching(/^kms1\./), createdAt: at }]);
    // Another process (cold cache) decrypts through KMS with the endpoint's context.
    const reader = new DynamoDbWebhookEndpointStore({
      tableName,
      client: dynamo,
      cipher: new KmsSecretCipher({ keyId: secretsKey.arn, client }),
    });
    expect(await reader.get(context.tenant, context.endpointId)).toEqual(endpoint);
  });
});
