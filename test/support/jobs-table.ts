import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { synthesizeTemplate } from '../../local/pipeline.js';
import { createTableInput } from '../../local/resources.js';

/** Creates a table exactly as the stack declares `JobsTable` (keys, indexes), under another name. */
export async function createJobsTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const template = synthesizeTemplate() as {
    Resources: Record<string, { Properties: Record<string, never> }>;
  };
  const table = template.Resources.JobsTable;
  if (!table) throw new Error('the synthesized template has no JobsTable');
  await client.send(new CreateTableCommand(createTableInput(tableName, table.Properties)));
}
