import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Priority } from '../../core/job.js';
import type { DeadLetter, DeadLetterStore } from '../../operations/ports.js';
import { documentClientOrDefault } from './clients.js';
import { type CursorKey, countQuery, decodeCursor, encodeCursor } from './dynamodb-list-cursor.js';
import { itemKey, SK_PREFIX, tenantPk } from './jobs-table-layout.js';

/** Dead letters in the jobs table: pk TENANT#{tenant}, sk DEADLETTER#{jobId} (so oldest job first). */
export class DynamoDbDeadLetterStore implements DeadLetterStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: { tableName: string; client?: DynamoDBClient | DynamoDBDocumentClient }) {
    this.client = documentClientOrDefault(options.client);
    this.tableName = options.tableName;
  }

  async put(deadLetter: DeadLetter): Promise<void> {
    const { tenant, jobId, priority, deadLetteredAt, reason } = deadLetter;
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...itemKey.deadLetter(tenant, jobId), jobId, priority, deadLetteredAt, reason },
      }),
    );
  }

  async list(tenant: string, options: { limit: number; cursor?: string }) {
    const pk = tenantPk(tenant);
    const startKey: CursorKey | undefined =
      options.cursor === undefined ? undefined : decodeCursor(options.cursor, pk, SK_PREFIX.deadLetter);
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': SK_PREFIX.deadLetter },
        // One more than asked: a cursor only when another page really exists.
        Limit: options.limit + 1,
        ExclusiveStartKey: startKey,
        ConsistentRead: true,
      }),
    );
    const items = out.Items ?? [];
    const page = items.slice(0, options.limit);
    const deadLetters = page.map(
      (item): DeadLetter => ({
        tenant,
        jobId: String(item.jobId),
        priority: item.priority as Priority,
        deadLetteredAt: String(item.deadLetteredAt),
        reason: String(item.reason),
      }),
    );
    const last = page.at(-1);
    return {
      deadLetters,
      cursor: items.length > options.limit && last ? encodeCursor({ pk, sk: String(last.sk) }) : undefined,
    };
  }

  async count(tenant: string, upTo: number): Promise<number> {
    return countQuery(
      this.client,
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': tenantPk(tenant), ':prefix': SK_PREFIX.deadLetter },
        ConsistentRead: true,
      },
      upTo,
    );
  }

  async remove(tenant: string, jobId: string): Promise<void> {
    await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: itemKey.deadLetter(tenant, jobId) }),
    );
  }
}
