import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { RateLimitStore } from '../../tenants/ports.js';
import { documentClientOrDefault } from './clients.js';
import { itemKey } from './jobs-table-layout.js';

/** The sort key of a tenant's policy overrides, beside its buckets. */
const POLICY = 'POLICY';

const isConditionFailure = (error: unknown) => (error as Error).name === 'ConditionalCheckFailedException';

/**
 * Rate-limit state in the jobs table: pk RATE#{tenant}, sk RATE#{routeClass}, `tat` in epoch ms. Each
 * operation is one conditional UpdateItem (no read first), so concurrent API instances never lose a take.
 */
export class DynamoDbRateLimitStore implements RateLimitStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: { tableName: string; client?: DynamoDBClient | DynamoDBDocumentClient }) {
    this.client = documentClientOrDefault(options.client);
    this.tableName = options.tableName;
  }

  async restart(tenant: string, routeClass: string, now: number, tat: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: itemKey.rateLimit(tenant, routeClass),
          UpdateExpression: 'SET tat = :tat',
          ConditionExpression: 'attribute_not_exists(tat) OR tat <= :now',
          ExpressionAttributeValues: { ':tat': tat, ':now': now },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async advance(tenant: string, routeClass: string, intervalMs: number, maxTat: number) {
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: itemKey.rateLimit(tenant, routeClass),
          UpdateExpression: 'SET tat = tat + :interval',
          ConditionExpression: 'tat <= :max',
          ExpressionAttributeValues: { ':interval': intervalMs, ':max': maxTat },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(out.Attributes?.tat);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async read(tenant: string, routeClass: string): Promise<number | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: itemKey.rateLimit(tenant, routeClass) }),
    );
    return out.Item ? Number(out.Item.tat) : undefined;
  }

  async overrides(tenant: string) {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: itemKey.rateLimit(tenant, POLICY) }),
    );
    return out.Item?.policies as Record<string, { ratePerSecond: number; burst: number }> | undefined;
  }

  async setOverrides(tenant: string, policies: Record<string, { ratePerSecond: number; burst: number }>) {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...itemKey.rateLimit(tenant, POLICY), policies, updatedAt: new Date().toISOString() },
      }),
    );
  }
}
