import { Template } from 'aws-cdk-lib/assertions';
import { expect } from 'vitest';
import { createApp } from '../../lib/app.js';
import { STAGES, type StageName } from '../../lib/config.js';

/** Synthesized CloudFormation is untyped JSON; the assertions themselves check its shape. */
// biome-ignore lint/suspicious/noExplicitAny: template JSON
export type Json = any;

export interface CfnResource {
  Type: string;
  Properties: Record<string, Json>;
  Metadata?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}
export type Resources = Record<string, CfnResource>;

/** Synthesize without esbuild: infra tests read the template, not the bundles. */
export const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

/** Every function's entry file, as its `media-pipeline:entry` metadata names it. */
export const ENTRIES = {
  api: 'lambdas/api/handler.ts',
  worker: 'lambdas/image-worker/handler.ts',
  deadLetter: 'lambdas/dead-letter/handler.ts',
  fanout: 'lambdas/webhook-fanout/handler.ts',
  dispatcher: 'lambdas/webhook-dispatcher/handler.ts',
  sweeper: 'lambdas/outbox-sweeper/handler.ts',
  batchTasks: 'lambdas/batch-tasks/handler.ts',
  batchCallback: 'lambdas/batch-callback/handler.ts',
  videoTasks: 'lambdas/video-tasks/handler.ts',
  reconciler: 'lambdas/reconciler/handler.ts',
} as const;

export const ofType = (resources: Resources, type: string) =>
  Object.entries(resources).filter(([, resource]) => resource.Type === type);

/** The logical id and resource of the function whose `media-pipeline:entry` metadata is `entry`. */
export function functionByEntry(resources: Resources, entry: string): [string, CfnResource] {
  const found = ofType(resources, 'AWS::Lambda::Function').filter(
    ([, fn]) => fn.Metadata?.['media-pipeline:entry'] === entry,
  );
  expect(found, `exactly one function for ${entry}`).toHaveLength(1);
  return found[0] as [string, CfnResource];
}

/** Every IAM statement of a role's inline policies. */
export const roleStatements = (resources: Resources, roleId: string): Json[] =>
  ofType(resources, 'AWS::IAM::Policy')
    .filter(([, policy]) => policy.Properties.Roles.some((role: Json) => role.Ref === roleId))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement);

/** Every IAM statement of the role of the function whose entry is `entry`. */
export const functionStatements = (resources: Resources, entry: string): Json[] =>
  roleStatements(resources, functionByEntry(resources, entry)[1].Properties.Role['Fn::GetAtt'][0]);

export const actionsOf = (statements: Json[]): string[] => statements.flatMap((s) => [s.Action].flat());

/** The resources the statements allow `action` on. */
export const resourcesFor = (statements: Json[], action: string): Json[] =>
  statements.filter((s) => actionsOf([s]).includes(action)).flatMap((s) => [s.Resource].flat());

/** Every stage's template resources, synthesized without bundling (for a test file's beforeAll). */
export function synthesizeStages(): Record<StageName, Resources> {
  return Object.fromEntries(
    STAGES.map((stage) => {
      const { stack } = createApp({ stage, context: NO_BUNDLING });
      return [stage, Template.fromStack(stack).toJSON().Resources as Resources];
    }),
  ) as Record<StageName, Resources>;
}
