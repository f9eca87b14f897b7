import type { CfnTaskDefinition, TaskDefinition } from 'aws-cdk-lib/aws-ecs';

/**
 * Metadata on an AWS::ECS::TaskDefinition naming the project file that is the container's entry point
 * (what its image's ENTRYPOINT runs). The local runtime runs that file with `tsx` as a child process when a
 * state machine calls `ecs:runTask`; in the cloud the metadata is inert. The value is either one
 * project-relative `.ts` path (task definitions with a single container) or a map of container name → path.
 */
export const CONTAINER_ENTRY_METADATA = 'media-pipeline:container-entry';

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
