import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';
import { loadConfig } from '../../src/contract/config.js';
import { readPositiveNumber } from '../../src/contract/env.js';
import { sendWebhook } from '../../src/webhooks/sender.js';
import { dispatchDelivery } from '../../src/webhooks/webhook-dispatch.js';
import { sqsBatchHandler } from '../shared/handlers.js';
import { logger, metrics } from '../shared/observability.js';
import { hideMessage } from '../shared/sqs-visibility.js';
import { webhookAdapters } from '../shared/webhooks.js';

const config = loadConfig();
const { deliveries, endpoints } = webhookAdapters(config);
/** Seconds; tests and the local soak shorten the schedule (the policy's defaults span a day). */
const baseDelaySeconds = readPositiveNumber('webhookRetryBaseSeconds');
const maxDelaySeconds = readPositiveNumber('webhookRetryMaxSeconds');
const timeoutMs = readPositiveNumber('webhookTimeoutMs');

/** A message whose attempt is not due: left on the queue, hidden until then. */
class Deferred extends Error {
  override name = 'Deferred';
}

async function handleRecord(record: SQSRecord): Promise<void> {
  const outcome = await dispatchDelivery(
    {
      deliveries,
      endpoints,
      send: sendWebhook,
      stage: config.stage,
      timeoutMs,
      policy: { ...(baseDelaySeconds && { baseDelaySeconds }), ...(maxDelaySeconds && { maxDelaySeconds }) },
    },
    JSON.parse(record.body),
  );
  if (outcome.result === 'done') {
    if (outcome.delivery) {
      logger.info('delivery finished', {
        deliveryId: outcome.delivery.deliveryId,
        status: outcome.delivery.status,
        reason: outcome.reason,
      });
      metrics.addMetric(
        outcome.delivery.status === 'DELIVERED' ? 'WebhooksDelivered' : 'WebhooksDeadLettered',
        MetricUnit.Count,
        1,
      );
    } else metrics.addMetric('WebhookStaleMessages', MetricUnit.Count, 1);
    return;
  }
  metrics.addMetric('WebhookAttemptsDeferred', MetricUnit.Count, 1);
  // Retry later on the same message: hidden until the attempt is due (SQS allows up to 12 h at once).
  await hideMessage(record, outcome.seconds);
  throw new Deferred(`${outcome.reason}: next look in ${outcome.seconds} s`);
}

export const handler = sqsBatchHandler(handleRecord, { throwOnFullBatchFailure: false });
