import { beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack } from '../../local/runtime.js';
import type { Json } from '../../local/template.js';
import { synthesizeFixtureTemplate } from './fixtures/stack.js';

let base: Record<string, Json>;
const clone = () => structuredClone(base);
const idOf = (template: Record<string, Json>, type: string, prefix: string) =>
  Object.keys(template.Resources).find(
    (id) => id.startsWith(prefix) && template.Resources[id].Type === type,
  ) as string;
const start = (template: Record<string, Json>) => startLocalStack({ template, projectRoot: process.cwd() });

beforeAll(() => {
  base = synthesizeFixtureTemplate();
});

describe('local runtime: startup errors', () => {
  it('throws when two functions set the same environment variable to different values, and cleans up', async () => {
    const template = clone();
    const api = template.Resources[idOf(template, 'AWS::Lambda::Function', 'ApiFn')];
    api.Properties.Environment.Variables.TABLE_NAME = 'some-other-table';
    const before = { ...process.env };
    await expect(start(template)).rejects.toThrow(/environment variable TABLE_NAME is .*'some-other-table'/);
    expect(process.env).toEqual(before);
    // Nothing is left running: a fresh stack starts and stops.
    const stack = await start(clone());
    await stack.stop();
    expect(process.env).toEqual(before);
  });

  it('refuses routes with authorizers', async () => {
    const template = clone();
    const route = template.Resources[idOf(template, 'AWS::ApiGatewayV2::Route', 'ApiGETitems')];
    route.Properties.AuthorizationType = 'CUSTOM';
    route.Properties.AuthorizerId = 'abc';
    await expect(start(template)).rejects.toThrow(/authorizers not supported locally/);
  });

  it('names the functions that lack entry metadata', async () => {
    const template = clone();
    const id = idOf(template, 'AWS::Lambda::Function', 'IngestFn');
    delete template.Resources[id].Metadata;
    await expect(start(template)).rejects.toThrow(new RegExp(`${id} lack the 'media-pipeline:entry'`));
  });

  it('runs one stack per process', async () => {
    const stack = await start(clone());
    try {
      await expect(start(clone())).rejects.toThrow(/already running/);
    } finally {
      await stack.stop();
    }
  });
});
