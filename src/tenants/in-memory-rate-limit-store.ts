import type { RateLimitStore } from './ports.js';

/** A RateLimitStore in memory, held to the DynamoDB adapter's behaviour by the stores contract test. */
export class InMemoryRateLimitStore implements RateLimitStore {
  private readonly times = new Map<string, number>();
  private readonly policies = new Map<string, Record<string, { ratePerSecond: number; burst: number }>>();

  async restart(tenant: string, routeClass: string, now: number, tat: number): Promise<boolean> {
    const key = `${tenant}#${routeClass}`;
    const stored = this.times.get(key);
    if (stored !== undefined && stored > now) return false;
    this.times.set(key, tat);
    return true;
  }

  async advance(tenant: string, routeClass: string, intervalMs: number, maxTat: number) {
    const key = `${tenant}#${routeClass}`;
    const stored = this.times.get(key);
    if (stored === undefined || stored > maxTat) return undefined;
    this.times.set(key, stored + intervalMs);
    return stored + intervalMs;
  }

  async read(tenant: string, routeClass: string): Promise<number | undefined> {
    return this.times.get(`${tenant}#${routeClass}`);
  }

  async overrides(tenant: string) {
    return this.policies.get(tenant);
  }

  async setOverrides(tenant: string, policies: Record<string, { ratePerSecond: number; burst: number }>) {
    this.policies.set(tenant, structuredClone(policies));
  }
}
