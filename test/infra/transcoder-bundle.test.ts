import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lib/paths.js';

// The bundle the transcoder image runs: the Dockerfile's build step, into a scratch directory outside the
// project (no node_modules above it, like /app in the image).
let dir: string;
let bundle: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'transcoder-bundle-'));
  bundle = join(dir, 'main.mjs');
  const build = spawnSync(process.execPath, ['containers/transcoder/build.mjs', bundle], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
  });
  expect(build.status, build.stderr).toBe(0);
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('transcoder bundle', () => {
  it('is one self-contained file that never loads sharp', () => {
    expect(existsSync(bundle)).toBe(true);
    const code = readFileSync(bundle, 'utf8');
    expect(code.length).toBeGreaterThan(0);
    // Neither loaded at run time (an external import) nor bundled in (esbuild's module path comments and
    // sharp's native package names would be in the file).
    expect(code).not.toMatch(/(?:\bfrom\s*|\brequire\(\s*|\bimport\(\s*|\bimport\s+)["']sharp["']/);
    expect(code).not.toMatch(/node_modules\/sharp\/|@img\/sharp/);
  });

  it('exits with 2 and names JOB_TENANT when the container overrides are missing', () => {
    // Only what node needs to start: no JOB_* variables, no AWS settings.
    const run = spawnSync(process.execPath, [bundle], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.error).toBeUndefined();
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(2);
    expect(`${run.stdout}\n${run.stderr}`).toContain('JOB_TENANT');
  });
});
