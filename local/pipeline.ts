import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from '../lib/app.js';
import { DynamoDbJobStore } from '../src/adapters/aws/dynamodb-job-store.js';
import { LOCAL_STACK_FILE } from '../src/cli/api-client.js';
import { hashApiKey, issueApiKey } from '../src/tenants/api-keys.js';
import { DATA_LAYOUT, readJsonFile } from './data-dir.js';
import { type LocalStack, type LocalStackOptions, startLocalStack } from './runtime.js';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Synthesizes the CDK app with bundling skipped and returns the stack's CloudFormation template. */
export function synthesizeTemplate(stage = 'dev'): Record<string, unknown> {
  const { app, stack } = createApp({ stage, context: { 'aws:cdk:bundling-stacks': [] } });
  return app.synth().getStackByName(stack.stackName).template as Record<string, unknown>;
}

export interface LocalPipeline {
  stack: LocalStack;
  apiUrl: string;
  /** A development API key for `tenant`, created at start. */
  apiKey: string;
  tenant: string;
  createApiKey(tenant: string): Promise<string>;
  stop(): Promise<void>;
}

export interface LocalPipelineOptions extends Omit<LocalStackOptions, 'template' | 'projectRoot'> {
  stage?: string;
  tenant?: string;
  /** Write .local/stack.json so the CLI finds this stack (npm start does; tests do not). */
  writeStackFile?: boolean;
}

/**
 * A durable stack keeps its development key: the same key works after a restart (the CLI, scripts and the
 * browser keep theirs). Its hash is written again each start, so a key file outlives a lost table too.
 */
async function stableApiKey(keys: DynamoDbJobStore, dataDir: string, tenant: string): Promise<string> {
  const file = join(dataDir, DATA_LAYOUT.apiKey);
  const saved = readJsonFile<{ tenant?: string; apiKey?: string }>(file);
  if (saved?.tenant === tenant && typeof saved.apiKey === 'string' && saved.apiKey.length > 0) {
    await keys.putKeyHash(hashApiKey(saved.apiKey), tenant);
    return saved.apiKey;
  }
  const apiKey = await issueApiKey(keys, tenant);
  writeFileSync(file, `${JSON.stringify({ tenant, apiKey }, null, 2)}\n`, { mode: 0o600 });
  return apiKey;
}

/** The whole pipeline on this machine: the synthesized template, run by the local runtime. */
export async function startLocalPipeline(options: LocalPipelineOptions = {}): Promise<LocalPipeline> {
  const { stage = 'dev', tenant = 'demo', writeStackFile = false, ...runtimeOptions } = options;
  const stack = await startLocalStack({
    ...runtimeOptions,
    template: synthesizeTemplate(stage),
    projectRoot: PROJECT_ROOT,
  });
  const keys = new DynamoDbJobStore({ tableName: stack.tableName('JobsTable') });
  const createApiKey = (forTenant: string) => issueApiKey(keys, forTenant);
  const apiKey = runtimeOptions.dataDir
    ? await stableApiKey(keys, runtimeOptions.dataDir, tenant)
    : await createApiKey(tenant);
  const stackFile = join(PROJECT_ROOT, LOCAL_STACK_FILE);
  if (writeStackFile) {
    mkdirSync(dirname(stackFile), { recursive: true });
    writeFileSync(stackFile, `${JSON.stringify({ apiUrl: stack.apiUrl, apiKey, tenant }, null, 2)}\n`);
  }
  return {
    stack,
    apiUrl: stack.apiUrl,
    apiKey,
    tenant,
    createApiKey,
    async stop() {
      if (writeStackFile) rmSync(stackFile, { force: true });
      await stack.stop();
    },
  };
}
