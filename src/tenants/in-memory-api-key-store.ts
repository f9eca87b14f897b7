import { ConditionFailedError } from '../core/ports.js';
import type { ApiKeyStore } from './ports.js';

const KEY_HASH = /^[0-9a-f]{64}$/;

/** An ApiKeyStore in memory, held to the DynamoDB adapter's behaviour by the stores contract test. */
export class InMemoryApiKeyStore implements ApiKeyStore {
  private readonly tenants = new Map<string, string>();

  async tenantForKeyHash(keyHash: string): Promise<string | undefined> {
    return this.tenants.get(keyHash);
  }

  /** Idempotent for the same tenant; refuses to move an existing key hash to another tenant. */
  async putKeyHash(keyHash: string, tenant: string): Promise<void> {
    if (!KEY_HASH.test(keyHash)) throw new TypeError('keyHash must be a lowercase SHA-256 hex digest');
    const owner = this.tenants.get(keyHash);
    if (owner !== undefined && owner !== tenant) {
      throw new ConditionFailedError('API key hash already belongs to another tenant');
    }
    this.tenants.set(keyHash, tenant);
  }

  async deleteKeyHash(keyHash: string): Promise<string | undefined> {
    const tenant = this.tenants.get(keyHash);
    this.tenants.delete(keyHash);
    return tenant;
  }
}
