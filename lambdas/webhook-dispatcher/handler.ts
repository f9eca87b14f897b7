import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { loadConfig } from '../../src/contract/config.js';
import { readPositiveNumber } from '../../src/contract/env.js';
import { sendWebhook } from '../../src/webhooks/sender.js';
import { dispatchDelivery } from '../../src/webhooks/webhook-dispatch.js';
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

// A processor per invocation: it holds the batch's state, and the local runtime runs batches of one
// function concurrently in one process (Lambda never does), where a shared one would mix them up.
export const handler = middy((event: SQSEvent, context: Context) =>
  processPartialResponse(event, handleRecord, new BatchProcessor(EventType.SQS), {
    context,
    throwOnFullBatchFailure: false,
  }),
)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
