import { DynamoDbDeliveryStore } from '../../src/adapters/aws/dynamodb-delivery-store.js';
import { DynamoDbWebhookEndpointStore } from '../../src/adapters/aws/dynamodb-webhook-endpoint-store.js';
import { KmsSecretCipher } from '../../src/adapters/aws/kms-secret-cipher.js';
import { SqsDeliveryQueue } from '../../src/adapters/aws/sqs-delivery-queue.js';
import type { PipelineConfig } from '../../src/contract/config.js';
import { ENV } from '../../src/contract/env.js';
import type { SecretCipher } from '../../src/webhooks/secrets.js';

/**
 * The webhook stores and queue, from the function's configuration (the stack sets every variable).
 * Without `secrets` (the fan-out: no key, no KMS access) the endpoint store can list endpoints but
 * not read or write their secrets.
 */
export function webhookAdapters(config: PipelineConfig, { secrets = true } = {}) {
  const { webhookSecretsKeyId, webhookDeliveryQueueUrl } = config;
  if (!webhookDeliveryQueueUrl || (secrets && !webhookSecretsKeyId)) {
    throw new Error(
      `invalid function configuration: ${ENV.webhookDeliveryQueueUrl}${secrets ? ` and ${ENV.webhookSecretsKeyId} are` : ' is'} required`,
    );
  }
  const cipher: SecretCipher =
    secrets && webhookSecretsKeyId ? new KmsSecretCipher({ keyId: webhookSecretsKeyId }) : noSecrets;
  return {
    endpoints: new DynamoDbWebhookEndpointStore({ tableName: config.jobsTable, cipher }),
    deliveries: new DynamoDbDeliveryStore({ tableName: config.jobsTable }),
    queue: new SqsDeliveryQueue({ queueUrl: webhookDeliveryQueueUrl }),
  };
}

const refuse = async (): Promise<string> => {
  throw new Error('this function has no access to webhook secrets');
};
const noSecrets: SecretCipher = { encrypt: refuse, decrypt: refuse };
