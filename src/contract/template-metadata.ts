/**
 * CloudFormation metadata keys the CDK app writes on resources and the local runtime reads to run the
 * same code in-process: a function's entry file and handler export, a task definition's container entry.
 */
export const ENTRY_METADATA = 'media-pipeline:entry';
export const HANDLER_METADATA = 'media-pipeline:handler';
export const CONTAINER_ENTRY_METADATA = 'media-pipeline:container-entry';
