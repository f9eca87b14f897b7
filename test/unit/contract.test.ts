/**
 * The names in src/contract are spelled there only: outside tests, no other file writes an environment
 * variable name, a route key or a template metadata key in its code (comments may name them).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV, environmentOf, readPositiveNumber } from '../../src/contract/env.js';
import { ROUTES, routeParts } from '../../src/contract/routes.js';
import * as metadata from '../../src/contract/template-metadata.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SOURCES = execFileSync(
  'git',
  ['ls-files', 'src', 'lambdas', 'lib', 'local', 'bin', 'containers', 'bench'],
  {
    cwd: ROOT,
    encoding: 'utf8',
  },
)
  .split('\n')
  .filter((file) => /\.(ts|mts|mjs)$/.test(file) && !file.startsWith('src/contract/'));
/** Code without its comments: prose may name a variable or a route, code must use the contract. */
const code = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|\s)\/\/.*$/gm, '$1');
const TEXT = new Map(SOURCES.map((file) => [file, code(readFileSync(join(ROOT, file), 'utf8'))]));

/**
 * Files other than the contract that contain `name` as a whole word. A route key is whole only where its
 * path ends: `GET /batches` is not spelled by `GET /batches/{id}`.
 */
function spelledIn(name: string): string[] {
  const end = name.includes(' /') ? '[^A-Za-z0-9_/{]' : '[^A-Za-z0-9_]';
  const word = new RegExp(`(^|[^A-Za-z0-9_])${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}($|${end})`);
  return [...TEXT].filter(([, text]) => word.test(text)).map(([file]) => file);
}

describe('contract: each name is spelled in one file', () => {
  it('environment variable names', () => {
    const elsewhere = Object.values(ENV).flatMap((name) =>
      spelledIn(name).map((file) => `${name} in ${file}`),
    );
    expect(elsewhere).toEqual([]);
  });

  it('route keys and template metadata keys', () => {
    const names = [...Object.values(ROUTES), ...Object.values(metadata)];
    expect(names.flatMap((name) => spelledIn(name).map((file) => `${name} in ${file}`))).toEqual([]);
  });

  it('the check finds a name spelled outside the contract', () => {
    // A name every source file mentions only through the contract, and one that is spelled elsewhere.
    expect(spelledIn('JOBS_TABLE')).toEqual([]);
    expect(spelledIn('NODE_OPTIONS')).toContain('lib/constructs/pipeline-function.ts');
  });
});

describe('contract: helpers', () => {
  it('builds an environment block from settings, leaving out unset ones', () => {
    expect(environmentOf({ jobsTable: 'jobs', eventBusName: undefined, stage: 'dev' })).toEqual({
      JOBS_TABLE: 'jobs',
      STAGE: 'dev',
    });
  });

  it('reads positive numbers only', () => {
    const env = { WEBHOOK_TIMEOUT_MS: '2500', OUTBOX_GRACE_SECONDS: '0', WORKER_RETRY_BASE_SECONDS: 'soon' };
    expect(readPositiveNumber('webhookTimeoutMs', env)).toBe(2500);
    expect(readPositiveNumber('outboxGraceSeconds', env)).toBeUndefined();
    expect(readPositiveNumber('workerRetryBaseSeconds', env)).toBeUndefined();
    expect(readPositiveNumber('webhookRetryMaxSeconds', env)).toBeUndefined();
  });

  it('splits a route key into method and path', () => {
    expect(routeParts(ROUTES.retryBatchJob)).toEqual({
      method: 'POST',
      path: '/batches/{id}/jobs/{jobId}/retry',
    });
    expect(new Set(Object.values(ROUTES)).size).toBe(Object.keys(ROUTES).length);
  });
});
