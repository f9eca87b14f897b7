/**
 * The dependency direction of docs/architecture.md, enforced with dependency-cruiser and the rules in
 * .dependency-cruiser.cjs. The second part builds a tiny tree that breaks each rule and checks that the
 * same rules catch it, so a rule that can no longer fail (a mistyped path) fails this test.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cruise, type ICruiseResult, type IFlattenedRuleSet } from 'dependency-cruiser';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CRUISE_OPTIONS,
  documentedGraph,
  layerGraph,
  PROJECT_LAYERS,
} from '../../tools/architecture-graph.js';

const ROOT = join(import.meta.dirname, '..', '..');
const config = createRequire(import.meta.url)(join(ROOT, '.dependency-cruiser.cjs')) as {
  forbidden: IFlattenedRuleSet['forbidden'];
  options: Record<string, unknown>;
};

async function violations(baseDir: string, roots: string[]) {
  const { output } = await cruise(roots, {
    baseDir,
    validate: true,
    ruleSet: { forbidden: config.forbidden },
    ...CRUISE_OPTIONS,
  });
  const result = output as ICruiseResult;
  return result.summary.violations.map(
    (v) => `${v.rule.name}: ${v.from} -> ${v.to}${v.cycle ? ' (cycle)' : ''}`,
  );
}

describe('architecture: the dependency direction holds', () => {
  it('finds no import cycle and no import against the direction in the project', async () => {
    expect(await violations(ROOT, PROJECT_LAYERS)).toEqual([]);
  }, 120_000);

  it('docs/architecture.md shows the graph the imports make (npm run docs:layers)', async () => {
    expect(documentedGraph()).toBe(await layerGraph());
  }, 120_000);
});

describe('architecture: each rule catches its violation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mp-arch-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  // Real packages, so imports of @aws-sdk and aws-lambda resolve as they do in the project.
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  write('src/core/job.ts', "import { x } from './events.js';\nexport const job = x;\n");
  write('src/core/events.ts', "import { job } from './job.js';\nexport const x = 1; export const y = job;\n");
  write('src/adapters/http/problems.ts', 'export const STATUS = 404;\n');
  write(
    'src/jobs/job-service.ts',
    "import { STATUS } from '../adapters/http/problems.js';\nexport const s = STATUS;\n",
  );
  write(
    'src/batches/batch-service.ts',
    "import type { APIGatewayProxyEventV2 } from 'aws-lambda';\nexport type E = APIGatewayProxyEventV2;\n",
  );
  write(
    'src/presets/preset-service.ts',
    "import { S3Client } from '@aws-sdk/client-s3';\nexport const c = S3Client;\n",
  );
  write(
    'src/webhooks/webhook-service.ts',
    "import { store } from '../adapters/aws/store.js';\nexport const s = store;\n",
  );
  write(
    'src/adapters/aws/store.ts',
    "import { h } from '../../../lambdas/api/handler.js';\nexport const store = h;\n",
  );
  write('lambdas/api/handler.ts', 'export const h = 1;\n');
  write('src/contract/env.ts', "import { job } from '../core/job.js';\nexport const e = job;\n");
  write('src/media/image.ts', "import { s } from '../jobs/job-service.js';\nexport const m = s;\n");
  write('src/core/keys.ts', "import { s } from '../jobs/job-service.js';\nexport const k = s;\n");
  write('lib/stack.ts', "import { h } from '../lambdas/api/handler.js';\nexport const st = h;\n");
  write('console/src/main.ts', "import { job } from '../../src/core/job.js';\nexport const c = job;\n");

  it('reports the cycle, the HTTP and AWS imports in use cases, and each upward import', async () => {
    const found = await violations(dir, ['src', 'lambdas', 'lib', 'console']);
    const rules = (name: string) => found.filter((v) => v.startsWith(`${name}:`));
    expect(rules('no-circular').length).toBeGreaterThan(0);
    expect(rules('use-cases-speak-no-http')).toEqual(
      expect.arrayContaining([
        'use-cases-speak-no-http: src/jobs/job-service.ts -> src/adapters/http/problems.ts',
        expect.stringMatching(/^use-cases-speak-no-http: src\/batches\/batch-service.ts -> .*aws-lambda/),
      ]),
    );
    expect(rules('use-cases-speak-no-aws')).toEqual([
      expect.stringMatching(
        /^use-cases-speak-no-aws: src\/presets\/preset-service.ts -> .*@aws-sdk\/client-s3/,
      ),
    ]);
    expect(rules('slices-use-ports-not-adapters')).toEqual(
      expect.arrayContaining([
        'slices-use-ports-not-adapters: src/webhooks/webhook-service.ts -> src/adapters/aws/store.ts',
      ]),
    );
    expect(rules('adapters-point-inwards')).toContain(
      'adapters-point-inwards: src/adapters/aws/store.ts -> lambdas/api/handler.ts',
    );
    expect(rules('contract-is-the-bottom')).toContain(
      'contract-is-the-bottom: src/contract/env.ts -> src/core/job.ts',
    );
    expect(rules('media-is-a-library')).toContain(
      'media-is-a-library: src/media/image.ts -> src/jobs/job-service.ts',
    );
    expect(rules('infrastructure-does-not-import-handlers')).toContain(
      'infrastructure-does-not-import-handlers: lib/stack.ts -> lambdas/api/handler.ts',
    );
    expect(rules('console-speaks-only-the-api')).toEqual([
      'console-speaks-only-the-api: console/src/main.ts -> src/core/job.ts',
    ]);
    expect(rules('core-is-the-kernel')).toEqual([
      'core-is-the-kernel: src/core/keys.ts -> src/jobs/job-service.ts',
    ]);
  }, 60_000);
});
