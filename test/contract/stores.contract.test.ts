/**
 * Each in-memory fake and its real adapter (DynamoDB on dynalite) pass the same assertions, so unit tests
 * on the fakes test what production does. Add a store here when its fake is added.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '../../local/emulators.js';
import { DynamoDbDeadLetterStore } from '../../src/adapters/aws/dynamodb-dead-letter-store.js';
import { DynamoDbJobStore } from '../../src/adapters/aws/dynamodb-job-store.js';
import { DynamoDbPresetStore } from '../../src/adapters/aws/dynamodb-preset-store.js';
import type { OutputSpec } from '../../src/core/job.js';
import { ConditionFailedError } from '../../src/core/ports.js';
import { InMemoryDeadLetterStore } from '../../src/operations/in-memory-dead-letter-store.js';
import type { DeadLetter, DeadLetterStore } from '../../src/operations/ports.js';
import { InMemoryPresetStore } from '../../src/presets/in-memory-preset-store.js';
import type { PresetStore } from '../../src/presets/ports.js';
import { hashApiKey } from '../../src/tenants/api-keys.js';
import { InMemoryApiKeyStore } from '../../src/tenants/in-memory-api-key-store.js';
import type { ApiKeyStore } from '../../src/tenants/ports.js';
import { createJobsTable } from '../support/jobs-table.js';

const TABLE = 'contract-jobs';
let emulators: Emulators;
let dynamo: DynamoDBClient;

beforeAll(async () => {
  emulators = await startEmulators();
  dynamo = new DynamoDBClient({ endpoint: emulators.dynamodb.endpoint, maxAttempts: 2 });
  await createJobsTable(dynamo, TABLE);
});
afterAll(async () => {
  dynamo?.destroy();
  await emulators?.stop();
});

const thumb: OutputSpec[] = [{ name: 'thumb', format: 'webp', width: 128 } as OutputSpec];
const large: OutputSpec[] = [{ name: 'large', format: 'jpeg', width: 2048 } as OutputSpec];

const presetStores: [string, () => PresetStore][] = [
  ['in memory', () => new InMemoryPresetStore()],
  ['DynamoDB', () => new DynamoDbPresetStore({ tableName: TABLE, client: dynamo })],
];

describe.each(presetStores)('PresetStore contract: %s', (kind, make) => {
  const tenant = `presets-${kind.replace(/\W/g, '')}`;

  it('creates, replaces, reads and deletes a preset, telling created from replaced', async () => {
    const store = make();
    expect(await store.get(tenant, 'web')).toBeUndefined();
    expect(await store.put(tenant, 'web', thumb)).toBe(true);
    expect(await store.put(tenant, 'web', large)).toBe(false);
    expect(await store.get(tenant, 'web')).toEqual(large);
    expect(await store.delete(tenant, 'web')).toBe(true);
    expect(await store.delete(tenant, 'web')).toBe(false);
    expect(await store.get(tenant, 'web')).toBeUndefined();
  });

  it("lists one tenant's presets by name, with their time, and never another tenant's", async () => {
    const store = make();
    await store.put(tenant, 'b-large', large);
    await store.put(tenant, 'a-thumb', thumb);
    await store.put(`${tenant}-other`, 'c-other', thumb);
    const listed = await store.list(tenant);
    expect(listed.map((p) => p.name)).toEqual(['a-thumb', 'b-large']);
    expect(listed[0]?.outputs).toEqual(thumb);
    expect(Number.isNaN(Date.parse(listed[0]?.updatedAt ?? ''))).toBe(false);
  });

  it('returns copies: changing what it returned does not change what is stored', async () => {
    const store = make();
    await store.put(tenant, 'copy', thumb);
    const read = (await store.get(tenant, 'copy')) as OutputSpec[];
    (read[0] as { width?: number }).width = 1;
    expect(await store.get(tenant, 'copy')).toEqual(thumb);
  });
});

const apiKeyStores: [string, () => ApiKeyStore][] = [
  ['in memory', () => new InMemoryApiKeyStore()],
  ['DynamoDB', () => new DynamoDbJobStore({ tableName: TABLE, client: dynamo })],
];

describe.each(apiKeyStores)('ApiKeyStore contract: %s', (kind) => {
  const make = apiKeyStores.find(([k]) => k === kind)?.[1] as () => ApiKeyStore;
  const hash = hashApiKey(`contract-key-${kind}`);

  it('resolves a stored key hash to its tenant until it is revoked', async () => {
    const store = make();
    expect(await store.tenantForKeyHash(hash)).toBeUndefined();
    await store.putKeyHash(hash, 'acme');
    await store.putKeyHash(hash, 'acme'); // idempotent for the same tenant
    expect(await store.tenantForKeyHash(hash)).toBe('acme');
    expect(await store.deleteKeyHash(hash)).toBe('acme');
    expect(await store.deleteKeyHash(hash)).toBeUndefined();
    expect(await store.tenantForKeyHash(hash)).toBeUndefined();
  });

  it('refuses to move a key hash to another tenant, and a hash that is not SHA-256 hex', async () => {
    const store = make();
    const taken = hashApiKey(`taken-${kind}`);
    await store.putKeyHash(taken, 'acme');
    await expect(store.putKeyHash(taken, 'globex')).rejects.toBeInstanceOf(ConditionFailedError);
    expect(await store.tenantForKeyHash(taken)).toBe('acme');
    await expect(store.putKeyHash('not-a-hash', 'acme')).rejects.toBeInstanceOf(TypeError);
  });
});

const deadLetterStores: [string, () => DeadLetterStore][] = [
  ['in memory', () => new InMemoryDeadLetterStore()],
  ['DynamoDB', () => new DynamoDbDeadLetterStore({ tableName: TABLE, client: dynamo })],
];

describe.each(deadLetterStores)('DeadLetterStore contract: %s', (kind, make) => {
  const tenant = `dlq-${kind.replace(/\W/g, '')}`;
  const letter = (jobId: string, t = tenant): DeadLetter => ({
    tenant: t,
    jobId,
    priority: 'high',
    deadLetteredAt: '2030-01-01T00:00:00.000Z',
    reason: 'every delivery failed',
  });

  it('keeps one dead letter per job, pages them oldest job first, counts and removes them', async () => {
    const store = make();
    const ids = ['01J00000000000000000000003', '01J00000000000000000000001', '01J00000000000000000000002'];
    for (const id of ids) await store.put(letter(id));
    await store.put(letter(ids[0] as string));
    await store.put(letter('01J00000000000000000000009', `${tenant}-other`));
    const first = await store.list(tenant, { limit: 2 });
    expect(first.deadLetters.map((d) => d.jobId)).toEqual([ids[1], ids[2]]);
    expect(first.deadLetters[0]).toEqual(letter(ids[1] as string));
    const second = await store.list(tenant, { limit: 2, cursor: first.cursor });
    expect(second).toEqual({ deadLetters: [letter(ids[0] as string)], cursor: undefined });
    expect(await store.count(tenant, 100)).toBe(3);
    expect(await store.count(tenant, 2)).toBe(2);
    await store.remove(tenant, ids[1] as string);
    await store.remove(tenant, 'never-there');
    expect(await store.count(tenant, 100)).toBe(2);
    expect(await store.count(`${tenant}-other`, 100)).toBe(1);
  });

  it('refuses a cursor it did not issue', async () => {
    const store = make();
    await expect(store.list(tenant, { limit: 1, cursor: 'not-a-cursor' })).rejects.toMatchObject({
      name: 'InvalidCursorError',
    });
  });
});
