import { execFile } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createApp } from '../../lib/app.js';
import { installSharpLayer } from '../../lib/constructs/sharp-layer.js';
import { ENTRY_METADATA } from '../../src/contract/template-metadata.js';

export interface BuiltFunction {
  logicalId: string;
  /** Project-relative handler entry, e.g. lambdas/image-worker/handler.ts. */
  entry: string;
  /** The bundled asset directory (index.mjs + index.mjs.map), as it would be uploaded. */
  assetDir: string;
  bundleBytes: number;
  sourceMapBytes: number;
  usesSharpLayer: boolean;
  /** Template environment; values that are CloudFormation expressions become placeholders. */
  environment: Record<string, string>;
}

interface CfnResource {
  Type: string;
  Properties?: { Environment?: { Variables?: Record<string, unknown> }; Layers?: unknown[] };
  Metadata?: Record<string, string>;
}

/**
 * Synthesizes the app with bundling on, exactly as `cdk deploy` builds it (esbuild per function, the sharp
 * layer), into a temporary cloud assembly, and describes each pipeline function's bundle.
 */
export function buildDeploymentBundles(stage = 'dev'): { outdir: string; functions: BuiltFunction[] } {
  const outdir = mkdtempSync(join(tmpdir(), 'mp-assembly-'));
  const { app, stack } = createApp({ stage, outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const assembly = app.synth();
  const template = assembly.getStackByName(stack.stackName).template as {
    Resources: Record<string, CfnResource>;
  };
  const functions: BuiltFunction[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const entry = resource.Metadata?.[ENTRY_METADATA];
    const assetPath = resource.Metadata?.['aws:asset:path'];
    if (resource.Type !== 'AWS::Lambda::Function' || !entry || !assetPath) continue;
    const assetDir = join(assembly.directory, assetPath);
    const variables = resource.Properties?.Environment?.Variables ?? {};
    functions.push({
      logicalId,
      entry,
      assetDir,
      bundleBytes: statSync(join(assetDir, 'index.mjs')).size,
      sourceMapBytes: statSync(join(assetDir, 'index.mjs.map')).size,
      usesSharpLayer: (resource.Properties?.Layers ?? []).length > 0,
      environment: Object.fromEntries(
        Object.entries(variables).map(([name, value]) => [
          name,
          typeof value === 'string' ? value : placeholder(name),
        ]),
      ),
    });
  }
  return { outdir, functions };
}

/** A stand-in for a value only known at deploy time, of the right shape (URLs must parse). */
function placeholder(name: string): string {
  const slug = name.toLowerCase().replace(/_/g, '-');
  return name.endsWith('_URL')
    ? `https://sqs.us-east-1.amazonaws.com/000000000000/${slug}`
    : `placeholder-${slug}`;
}

let hostLayerDir: string | undefined;

/** Removes the host sharp layer built by `hostSharpLayer` (call when done with it). */
export function removeHostSharpLayer(): void {
  if (hostLayerDir) rmSync(hostLayerDir, { recursive: true, force: true });
  hostLayerDir = undefined;
  hostLayer = undefined;
}

/** The sharp layer built for this machine's cpu (the deployed one is linux-arm64), once per process. */
let hostLayer: string | undefined;
export function hostSharpLayer(): string {
  if (!hostLayer) {
    const dir = mkdtempSync(join(tmpdir(), 'mp-sharp-layer-'));
    hostLayerDir = dir;
    installSharpLayer(dir, process.arch);
    hostLayer = join(dir, 'nodejs', 'node_modules');
  }
  return hostLayer;
}

/**
 * A directory laid out like a Lambda task root: the bundle, and (for functions with the layer) the
 * layer's node_modules beside it, where ESM resolution finds them as the Lambda runtime finds /opt/nodejs.
 * Nothing else of the project is reachable from there.
 */
export function taskRoot(fn: BuiltFunction, layerNodeModules?: string): string {
  const root = mkdtempSync(join(tmpdir(), 'mp-task-'));
  for (const file of readdirSync(fn.assetDir)) {
    // Copied, not linked: Node resolves a module's imports from its real path.
    copyFileSync(join(fn.assetDir, file), join(root, file));
  }
  if (layerNodeModules) symlinkSync(layerNodeModules, join(root, 'node_modules'), 'dir');
  else mkdirSync(join(root, 'node_modules'));
  return root;
}

export const readBundle = (fn: BuiltFunction) => readFileSync(join(fn.assetDir, 'index.mjs'), 'utf8');

// Module init only: from the runtime importing the handler file to the import resolving.
const MEASURE_INIT = `
  const started = performance.now();
  await import('./index.mjs');
  process.stdout.write(String(performance.now() - started));
`;

/**
 * Imports the bundle in a fresh Node process (cwd = the task root, the function's environment, no
 * credentials beyond dummies) and returns its module init time in ms; rejects with the error when
 * the bundle cannot initialise.
 */
/**
 * The bound on one bundle's init in a fresh process: Lambda gives an init 10 s; twice that leaves room for
 * a loaded CI machine, and a hung init fails here instead of at the test's timeout.
 */
export const INIT_TIMEOUT_MS = 20_000;

export async function measureInit(fn: BuiltFunction, root: string): Promise<number> {
  const env = {
    PATH: process.env.PATH ?? '',
    ...fn.environment,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'init-only',
    AWS_SECRET_ACCESS_KEY: 'init-only',
    NODE_OPTIONS: '',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const child = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', MEASURE_INIT], {
    cwd: root,
    env,
    encoding: 'utf8',
    timeout: INIT_TIMEOUT_MS,
  }).catch((error: { stderr?: string }) => {
    // Minified bundles print whole source lines; the error itself is on the short lines.
    const lines = (error.stderr ?? '').split('\n').filter((line) => line.length < 300);
    throw new Error(`${fn.entry} failed to initialise:\n${lines.slice(-12).join('\n')}`);
  });
  return Number(child.stdout);
}
