import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConditionFailedError } from '../../core/ports.js';
import type { WebhookEndpoint, WebhookEndpointStore } from '../../webhooks/ports.js';
import type { SecretCipher } from '../../webhooks/secrets.js';
import type { EndpointSecret } from '../../webhooks/signing.js';
import { documentClientOrDefault } from './clients.js';
import { itemKey, SK_PREFIX, tenantPk } from './jobs-table-layout.js';

/**
 * Webhook endpoints in the jobs table:
 *   endpoint   pk TENANT#{tenant}   sk WEBHOOK#{endpointId}
 * Secrets are stored encrypted, one ciphertext per secret (`secrets: [{ ciphertext, createdAt,
 * expiresAt? }]`), each bound to the encryption context { tenant, endpointId } so a ciphertext copied to
 * another endpoint's item does not decrypt. Their creation and expiry times are not secret and stay in
 * the clear. Plaintext secrets never reach the table.
 */
export const WEBHOOK_SK_PREFIX = SK_PREFIX.webhook;

const key = itemKey.webhook;

/** A secret as stored: the value encrypted, its times in the clear. */
interface StoredSecret {
  ciphertext: string;
  createdAt: string;
  expiresAt?: string;
}

export interface DynamoDbWebhookEndpointStoreOptions {
  tableName: string;
  /** Encrypts secrets at rest: KmsSecretCipher in AWS, AesGcmSecretCipher locally. */
  cipher: SecretCipher;
  client?: DynamoDBDocumentClient | DynamoDBClient;
}

export class DynamoDbWebhookEndpointStore implements WebhookEndpointStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly cipher: SecretCipher;

  constructor(options: DynamoDbWebhookEndpointStoreOptions) {
    this.client = documentClientOrDefault(options.client);
    this.tableName = options.tableName;
    this.cipher = options.cipher;
  }

  async create(endpoint: WebhookEndpoint): Promise<void> {
    const { secrets, ...rest } = endpoint;
    const item = {
      ...rest,
      ...key(endpoint.tenant, endpoint.endpointId),
      secrets: await this.encryptAll(endpoint.tenant, endpoint.endpointId, secrets),
    };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionFailed(error)) {
        throw new ConditionFailedError(`webhook endpoint ${endpoint.endpointId} already exists`);
      }
      throw error;
    }
  }

  async get(tenant: string, endpointId: string): Promise<WebhookEndpoint | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key(tenant, endpointId), ConsistentRead: true }),
    );
    return out.Item ? this.toEndpoint(out.Item) : undefined;
  }

  async list(tenant: string, options: { withSecrets?: boolean } = {}): Promise<WebhookEndpoint[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': tenantPk(tenant), ':prefix': WEBHOOK_SK_PREFIX },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(out.Items ?? []));
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    // Ids are ULIDs: sk order is creation order.
    return Promise.all(items.map((item) => this.toEndpoint(item, options.withSecrets ?? true)));
  }

  async delete(tenant: string, endpointId: string): Promise<boolean> {
    const out = await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: key(tenant, endpointId), ReturnValues: 'ALL_OLD' }),
    );
    return Boolean(out.Attributes);
  }

  async putSecrets(
    tenant: string,
    endpointId: string,
    secrets: EndpointSecret[],
    updatedAt: string,
    options: { ifUpdatedAt?: string } = {},
  ): Promise<void> {
    const values: Record<string, unknown> = {
      ':secrets': await this.encryptAll(tenant, endpointId, secrets),
      ':updatedAt': updatedAt,
    };
    let condition = 'attribute_exists(pk)';
    if (options.ifUpdatedAt !== undefined) {
      condition += ' AND #updatedAt = :ifUpdatedAt';
      values[':ifUpdatedAt'] = options.ifUpdatedAt;
    }
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(tenant, endpointId),
          UpdateExpression: 'SET #secrets = :secrets, #updatedAt = :updatedAt',
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#secrets': 'secrets', '#updatedAt': 'updatedAt' },
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (isConditionFailed(error)) {
        throw new ConditionFailedError(
          `webhook endpoint ${endpointId} does not exist or was changed meanwhile`,
        );
      }
      throw error;
    }
  }

  async setStatus(
    tenant: string,
    endpointId: string,
    status: WebhookEndpoint['status'],
    reason: string | undefined,
    updatedAt: string,
  ): Promise<void> {
    const values: Record<string, unknown> = { ':status': status, ':updatedAt': updatedAt };
    let update = 'SET #status = :status, #updatedAt = :updatedAt';
    if (reason === undefined) update += ' REMOVE #reason';
    else {
      update += ', #reason = :reason';
      values[':reason'] = reason.slice(0, 500);
    }
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(tenant, endpointId),
          UpdateExpression: update,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#updatedAt': 'updatedAt',
            '#reason': 'disabledReason',
          },
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      // Deleted meanwhile: nothing to disable (an update without the condition would resurrect a stub).
      if (!isConditionFailed(error)) throw error;
    }
  }

  private encryptAll(tenant: string, endpointId: string, secrets: EndpointSecret[]): Promise<StoredSecret[]> {
    const context = { tenant, endpointId };
    return Promise.all(
      secrets.map(async ({ secret, createdAt, expiresAt }) => ({
        ciphertext: await this.cipher.encrypt(secret, context),
        createdAt,
        ...(expiresAt === undefined ? {} : { expiresAt }),
      })),
    );
  }

  private async toEndpoint(item: Record<string, unknown>, withSecrets = true): Promise<WebhookEndpoint> {
    const { pk: _pk, sk: _sk, secrets, ...rest } = item;
    const endpoint = rest as unknown as Omit<WebhookEndpoint, 'secrets'>;
    if (!withSecrets) return { ...endpoint, secrets: [] };
    const context = { tenant: endpoint.tenant, endpointId: endpoint.endpointId };
    const decrypted = await Promise.all(
      ((secrets ?? []) as StoredSecret[]).map(async ({ ciphertext, createdAt, expiresAt }) => ({
        secret: await this.cipher.decrypt(ciphertext, context),
        createdAt,
        ...(expiresAt === undefined ? {} : { expiresAt }),
      })),
    );
    return { ...endpoint, secrets: decrypted };
  }
}

export function isConditionFailed(error: unknown): boolean {
  return (error as { name?: unknown } | undefined)?.name === 'ConditionalCheckFailedException';
}
