import { readFileSync } from 'node:fs';
import { App, Tags } from 'aws-cdk-lib';
import { stageConfig } from './config.js';
import { MediaPipelineStack } from './media-pipeline-stack.js';
import { fromRoot } from './paths.js';

/** `-c skipBundling=true` synthesizes without building any asset (no esbuild, no npm install, no Docker). */
export const SKIP_BUNDLING_CONTEXT = 'skipBundling';
const BUNDLING_STACKS_CONTEXT = 'aws:cdk:bundling-stacks';

/**
 * The context of cdk.json (feature flags, default stage). The cdk CLI passes it to the app itself; other
 * callers (the local runtime, tests) get it here, so every synthesis of the app sees the same flags.
 */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(fromRoot('cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

export interface CreateAppOptions {
  /** dev | staging | prod. Omitted: the `stage` context value (`-c stage=...`, cdk.json), else dev. */
  stage?: string;
  /**
   * Extra context, e.g. `{ 'aws:cdk:bundling-stacks': [] }` (or `{ skipBundling: true }`) to skip all asset
   * bundling (the local runtime and the tests: offline, no Docker, no esbuild, no npm install for sharp).
   */
  context?: Record<string, unknown>;
  outdir?: string;
}

/**
 * The CDK app: one environment-agnostic stack, `MediaPipeline-{stage}`. Used by bin/app.ts (the cdk CLI),
 * the local runtime and the infra tests, so all three synthesize exactly the same template.
 */
export function createApp(options: CreateAppOptions = {}): { app: App; stack: MediaPipelineStack } {
  // Under the cdk CLI, its context (cdk.json, -c flags) is applied on top of this by the App itself.
  const app = new App({ context: { ...cdkJsonContext(), ...options.context }, outdir: options.outdir });
  // `-c skipBundling=true`: the cdk CLI refuses user context keys under `aws:`, so this one maps to
  // `aws:cdk:bundling-stacks: []` (possible only before the app has children).
  const skipBundling = app.node.tryGetContext(SKIP_BUNDLING_CONTEXT) as unknown;
  if (skipBundling === true || skipBundling === 'true') app.node.setContext(BUNDLING_STACKS_CONTEXT, []);
  const stage = options.stage ?? (app.node.tryGetContext('stage') as string | undefined) ?? 'dev';
  const config = stageConfig(stage);
  const stack = new MediaPipelineStack(app, `MediaPipeline-${config.stage}`, {
    config,
    description: `media-pipeline (${config.stage}): serverless media processing, image path`,
  });
  Tags.of(stack).add('project', 'media-pipeline');
  Tags.of(stack).add('stage', config.stage);
  return { app, stack };
}
