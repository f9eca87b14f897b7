/**
 * The webhook stores on the jobs table (one module each, re-exported here):
 *   endpoint   pk TENANT#{tenant}   sk WEBHOOK#{endpointId}              secrets encrypted at rest
 *   delivery   pk TENANT#{tenant}   sk DELIVERY#{endpointId}#{eventId}   attempts, status, lease
 */
export {
  DELIVERY_SK_PREFIX,
  DynamoDbDeliveryStore,
  type DynamoDbDeliveryStoreOptions,
  MAX_ATTEMPTS_KEPT,
} from './dynamodb-delivery-store.js';
export {
  DynamoDbWebhookEndpointStore,
  type DynamoDbWebhookEndpointStoreOptions,
  WEBHOOK_SK_PREFIX,
} from './dynamodb-webhook-endpoint-store.js';
