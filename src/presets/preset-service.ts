import { ZodError, z } from 'zod';
import { domainError, invalidRequest, notFound, parseInput } from '../core/domain-error.js';
import { OutputSpecList, type Outputs, PresetRef } from '../core/job.js';
import type { PresetStore } from './ports.js';
import { applyOverrides, isBuiltInPreset, PRESETS } from './presets.js';

export const SavePresetRequest = z.object({ outputs: OutputSpecList }).strict();

/**
 * Named output presets: the built-in ones and those a tenant saves (`PUT /presets/{name}`). Jobs name a
 * preset, optionally with overrides; a tenant preset is resolved into explicit specs when the job is
 * created, so editing the preset later never changes a queued job.
 */
export class PresetService {
  constructor(private readonly store: PresetStore) {}

  async save(tenant: string, name: string, body: unknown) {
    const presetName = this.validName(name);
    if (isBuiltInPreset(presetName)) {
      throw domainError(
        'invalid-state',
        'PRESET_RESERVED',
        'Built-in preset',
        `${presetName} is a built-in preset and cannot be replaced`,
      );
    }
    const { outputs } = parseInput(SavePresetRequest, body);
    const created = await this.store.put(tenant, presetName, outputs);
    return { created, preset: { name: presetName, outputs, builtIn: false } };
  }

  async get(tenant: string, name: string) {
    const presetName = this.validName(name);
    if (isBuiltInPreset(presetName)) return { name: presetName, outputs: PRESETS[presetName], builtIn: true };
    const outputs = await this.store.get(tenant, presetName);
    if (!outputs) throw notFound('Preset not found', `no preset ${presetName}`);
    return { name: presetName, outputs, builtIn: false };
  }

  async list(tenant: string) {
    const builtIn = Object.entries(PRESETS).map(([name, outputs]) => ({ name, outputs, builtIn: true }));
    const saved = (await this.store.list(tenant)).map((preset) => ({ ...preset, builtIn: false }));
    return { presets: [...builtIn, ...saved] };
  }

  async delete(tenant: string, name: string) {
    const presetName = this.validName(name);
    if (isBuiltInPreset(presetName) || !(await this.store.delete(tenant, presetName))) {
      throw notFound('Preset not found', `no saved preset ${presetName}`);
    }
  }

  /**
   * The outputs a new job stores: built-in presets stay by name (with their overrides checked now),
   * tenant presets become explicit specs. Unknown presets and invalid overrides are a 400.
   */
  async resolveForJob(tenant: string, outputs: Outputs): Promise<Outputs> {
    if ('specs' in outputs) return outputs;
    const builtIn = isBuiltInPreset(outputs.preset);
    const specs = builtIn
      ? PRESETS[outputs.preset as keyof typeof PRESETS]
      : await this.store.get(tenant, outputs.preset);
    if (!specs) {
      throw domainError('validation', 'UNKNOWN_PRESET', 'Unknown preset', `no preset ${outputs.preset}`);
    }
    try {
      const resolved = applyOverrides(specs, outputs.overrides);
      return builtIn ? outputs : { specs: resolved };
    } catch (error) {
      if (!(error instanceof ZodError)) throw error;
      throw invalidRequest(
        'the overrides do not fit the preset’s outputs',
        error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
      );
    }
  }

  private validName(name: string): string {
    const parsed = PresetRef.safeParse(name);
    if (!parsed.success) {
      throw invalidRequest('preset names are lowercase letters, digits and dashes');
    }
    return parsed.data;
  }
}
