import { DynamoDbDeliveryStore } from '../../src/adapters/aws/dynamodb-delivery-store.js';
import { DynamoDbWebhookEndpointStore } from '../../src/adapters/aws/dynamodb-webhook-endpoint-store.js';
import { KmsSecretCipher } from '../../src/adapters/aws/kms-secret-cipher.js';
import { SqsDeliveryQueue } from '../../src/adapters/aws/sqs-delivery-queue.js';
import type { PipelineConfig } from '../../src/jobs/config.js';

/** The webhook stores and queue, from the function's configuration (the stack sets every variable). */
export function webhookAdapters(config: PipelineConfig) {
  const { webhookSecretsKeyId, webhookDeliveryQueueUrl } = config;
  if (!webhookSecretsKeyId || !webhookDeliveryQueueUrl) {
    throw new Error(
      'invalid function configuration: WEBHOOK_SECRETS_KEY_ID and WEBHOOK_DELIVERY_QUEUE_URL are required',
    );
  }
  return {
    endpoints: new DynamoDbWebhookEndpointStore({
      tableName: config.jobsTable,
      cipher: new KmsSecretCipher({ keyId: webhookSecretsKeyId }),
    }),
    deliveries: new DynamoDbDeliveryStore({ tableName: config.jobsTable }),
    queue: new SqsDeliveryQueue({ queueUrl: webhookDeliveryQueueUrl }),
  };
}
