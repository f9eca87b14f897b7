import type { OutputSpec } from '../core/job.js';
import type { PresetStore } from './ports.js';

/**
 * A PresetStore in memory, for unit tests and tools. test/contract/stores.contract.test.ts runs it and
 * the DynamoDB adapter through the same assertions, so the two cannot drift.
 */
export class InMemoryPresetStore implements PresetStore {
  private readonly presets = new Map<string, { name: string; outputs: OutputSpec[]; updatedAt: string }>();

  constructor(private readonly now: () => number = Date.now) {}

  async get(tenant: string, name: string): Promise<OutputSpec[] | undefined> {
    return structuredClone(this.presets.get(key(tenant, name))?.outputs);
  }

  async put(tenant: string, name: string, specs: OutputSpec[]): Promise<boolean> {
    const created = !this.presets.has(key(tenant, name));
    const updatedAt = new Date(this.now()).toISOString();
    this.presets.set(key(tenant, name), { name, outputs: structuredClone(specs), updatedAt });
    return created;
  }

  async list(tenant: string): Promise<{ name: string; outputs: OutputSpec[]; updatedAt: string }[]> {
    return [...this.presets]
      .filter(([k]) => k.startsWith(`${tenant}\u0000`))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, preset]) => structuredClone(preset));
  }

  async delete(tenant: string, name: string): Promise<boolean> {
    return this.presets.delete(key(tenant, name));
  }
}

const key = (tenant: string, name: string) => `${tenant}\u0000${name}`;
