import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { OutputSpec } from '../../core/job.js';
import type { PresetStore } from '../../presets/ports.js';
import { documentClientOrDefault } from './clients.js';
import { itemKey, SK_PREFIX, tenantPk } from './jobs-table-layout.js';

const key = itemKey.preset;

/** Tenant presets in the jobs table: pk TENANT#{tenant}, sk PRESET#{name}, the specs as a list. */
export class DynamoDbPresetStore implements PresetStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: { tableName: string; client?: DynamoDBClient | DynamoDBDocumentClient }) {
    this.client = documentClientOrDefault(options.client);
    this.tableName = options.tableName;
  }

  async get(tenant: string, name: string): Promise<OutputSpec[] | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key(tenant, name), ConsistentRead: true }),
    );
    return out.Item ? (out.Item.outputs as OutputSpec[]) : undefined;
  }

  async put(tenant: string, name: string, specs: OutputSpec[]): Promise<boolean> {
    const out = await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...key(tenant, name), name, outputs: specs, updatedAt: new Date().toISOString() },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return !out.Attributes;
  }

  async list(tenant: string): Promise<{ name: string; outputs: OutputSpec[]; updatedAt: string }[]> {
    const presets: { name: string; outputs: OutputSpec[]; updatedAt: string }[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': tenantPk(tenant), ':prefix': SK_PREFIX.preset },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of out.Items ?? []) {
        presets.push({
          name: String(item.name),
          outputs: item.outputs as OutputSpec[],
          updatedAt: String(item.updatedAt),
        });
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return presets;
  }

  async delete(tenant: string, name: string): Promise<boolean> {
    const out = await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: key(tenant, name), ReturnValues: 'ALL_OLD' }),
    );
    return Boolean(out.Attributes);
  }
}
