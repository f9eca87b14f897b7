import type { CfnTaskDefinition, TaskDefinition } from 'aws-cdk-lib/aws-ecs';
import { CONTAINER_ENTRY_METADATA } from '../src/contract/template-metadata.js';

/**
 * Marks which project file a task definition's container runs, e.g.
 * `setContainerEntry(taskDefinition, 'containers/transcoder/main.ts')`. Pass `containerName` when the task
 * definition has several containers; each call adds one. Never imports the entry.
 */
export function setContainerEntry(
  taskDefinition: TaskDefinition,
  entry: string,
  containerName?: string,
): void {
  if (!/^[\w./-]+\.(ts|mts|js|mjs)$/.test(entry) || entry.startsWith('/') || entry.includes('..'))
    throw new Error(`container entry must be a project-relative .ts/.js file, got '${entry}'`);
  const cfn = taskDefinition.node.defaultChild as CfnTaskDefinition;
  if (containerName === undefined) {
    cfn.addMetadata(CONTAINER_ENTRY_METADATA, entry);
    return;
  }
  const current = cfn.getMetadata(CONTAINER_ENTRY_METADATA);
  if (typeof current === 'string')
    throw new Error('setContainerEntry: the task definition already has a single-container entry');
  cfn.addMetadata(CONTAINER_ENTRY_METADATA, { ...(current ?? {}), [containerName]: entry });
}
