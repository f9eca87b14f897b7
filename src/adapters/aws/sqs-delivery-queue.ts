import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeliveryMessage, DeliveryQueue } from '../../webhooks/ports.js';
import { sqsClient } from './clients.js';

/** SQS's longest per-message delay (15 min); later attempts carry `notBefore` and are re-delayed. */
export const MAX_SQS_DELAY_SECONDS = 900;

/** Hands deliveries to the webhook dispatcher's queue; the body is the DeliveryMessage as JSON. */
export class SqsDeliveryQueue implements DeliveryQueue {
  private readonly client: SQSClient;
  private readonly queueUrl: string;
  private readonly now: () => number;

  constructor(options: { queueUrl: string; client?: SQSClient; now?: () => number }) {
    if (!options.queueUrl) throw new TypeError('SqsDeliveryQueue needs a queue URL');
    this.client = options.client ?? sqsClient();
    this.queueUrl = options.queueUrl;
    this.now = options.now ?? Date.now;
  }

  /**
   * Delays past 15 minutes are capped at 900 s; the message then carries `notBefore` (the caller's, or
   * now + delaySeconds when it gave none) so the dispatcher re-delays it until then.
   */
  async send(message: DeliveryMessage, delaySeconds?: number): Promise<void> {
    const delay =
      delaySeconds === undefined || !Number.isFinite(delaySeconds)
        ? undefined
        : Math.min(MAX_SQS_DELAY_SECONDS, Math.max(0, Math.ceil(delaySeconds)));
    const notBefore =
      message.notBefore ??
      (delaySeconds !== undefined && Number.isFinite(delaySeconds) && delaySeconds > MAX_SQS_DELAY_SECONDS
        ? new Date(this.now() + delaySeconds * 1000).toISOString()
        : undefined);
    const body: DeliveryMessage = {
      tenant: message.tenant,
      deliveryId: message.deliveryId,
      attempt: message.attempt,
      ...(notBefore === undefined ? {} : { notBefore }),
    };
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(body),
        ...(delay ? { DelaySeconds: delay } : {}),
      }),
    );
  }
}
