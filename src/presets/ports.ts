import type { OutputSpec } from '../core/job.js';

/** Output presets a tenant saved by name. */
export interface PresetStore {
  get(tenant: string, name: string): Promise<OutputSpec[] | undefined>;
  /** Creates or replaces; true when it was created. */
  put(tenant: string, name: string, specs: OutputSpec[]): Promise<boolean>;
  list(tenant: string): Promise<{ name: string; outputs: OutputSpec[]; updatedAt: string }[]>;
  /** True when a preset was deleted. */
  delete(tenant: string, name: string): Promise<boolean>;
}
