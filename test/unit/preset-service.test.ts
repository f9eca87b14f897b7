/** PresetService and the API key authenticator on in-memory fakes (held to the adapters by test/contract). */
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/core/domain-error.js';
import { InMemoryPresetStore } from '../../src/presets/in-memory-preset-store.js';
import { PresetService } from '../../src/presets/preset-service.js';
import { ApiKeyAuthenticator, hashApiKey, issueApiKey } from '../../src/tenants/api-keys.js';
import { InMemoryApiKeyStore } from '../../src/tenants/in-memory-api-key-store.js';

const refusal = async (call: Promise<unknown>) => {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  const { kind, code } = error as DomainError;
  return { kind, code };
};

describe('PresetService', () => {
  const outputs = [{ name: 'card', format: 'webp', width: 600 }];

  it('saves a tenant preset, resolves a job naming it into explicit specs, and keeps tenants apart', async () => {
    const service = new PresetService(new InMemoryPresetStore());
    expect((await service.save('acme', 'cards', { outputs })).created).toBe(true);
    expect((await service.save('acme', 'cards', { outputs })).created).toBe(false);
    const resolved = await service.resolveForJob('acme', {
      preset: 'cards',
      overrides: { format: 'jpeg' },
    });
    expect(resolved).toEqual({
      specs: [expect.objectContaining({ name: 'card', format: 'jpeg', width: 600 })],
    });
    expect(await refusal(service.resolveForJob('globex', { preset: 'cards' }))).toEqual({
      kind: 'validation',
      code: 'UNKNOWN_PRESET',
    });
    // A built-in preset stays by name; its overrides are checked now.
    expect(await service.resolveForJob('acme', { preset: 'thumbnail' })).toEqual({ preset: 'thumbnail' });
  });

  it('refuses bad input with the right kind, and leaves the built-ins alone', async () => {
    const service = new PresetService(new InMemoryPresetStore());
    expect(await refusal(service.save('acme', 'web', { outputs }))).toEqual({
      kind: 'invalid-state',
      code: 'PRESET_RESERVED',
    });
    expect(await refusal(service.save('acme', 'Bad Name', { outputs }))).toEqual({
      kind: 'validation',
      code: 'INVALID_REQUEST',
    });
    expect(await refusal(service.save('acme', 'empty', { outputs: [] }))).toMatchObject({
      kind: 'validation',
    });
    expect(await refusal(service.get('acme', 'missing'))).toEqual({ kind: 'not-found', code: 'NOT_FOUND' });
    expect(await refusal(service.delete('acme', 'thumbnail'))).toEqual({
      kind: 'not-found',
      code: 'NOT_FOUND',
    });
    expect((await service.get('acme', 'web')).builtIn).toBe(true);
  });
});

describe('ApiKeyAuthenticator', () => {
  it('resolves an issued key to its tenant, caches it, and stops after revocation once the TTL passes', async () => {
    const store = new InMemoryApiKeyStore();
    let clock = 0;
    const auth = new ApiKeyAuthenticator(store, 1000, () => clock);
    const key = await issueApiKey(store, 'acme');
    expect(key).toMatch(/^mpk_/);
    expect(await auth.tenantFor(key)).toBe('acme');
    expect(await auth.tenantFor('mpk_wrong')).toBeUndefined();
    expect(await auth.tenantFor(undefined)).toBeUndefined();
    await store.deleteKeyHash(hashApiKey(key));
    expect(await auth.tenantFor(key)).toBe('acme'); // cached
    clock += 1001;
    expect(await auth.tenantFor(key)).toBeUndefined();
  });
});
