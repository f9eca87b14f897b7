import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { loadConfig } from '../../src/contract/config.js';
import { WebhookFanout } from '../../src/webhooks/webhook-fanout.js';
import { logger, metrics } from '../shared/observability.js';
import { webhookAdapters } from '../shared/webhooks.js';

const fanout = new WebhookFanout(webhookAdapters(loadConfig(), { secrets: false }));

/** Bus events (the rule's SQS target) to one delivery per interested endpoint. Store errors retry. */
async function handleRecord(record: SQSRecord): Promise<void> {
  let event: unknown;
  try {
    event = JSON.parse(record.body);
  } catch {
    logger.error('webhook event is not JSON; dropped', { messageId: record.messageId });
    return;
  }
  const outcome = await fanout.handle(event);
  if (outcome.result === 'invalid') {
    logger.error('not a pipeline event; dropped', { messageId: record.messageId, reason: outcome.reason });
    return;
  }
  metrics.addMetric('WebhookDeliveriesQueued', MetricUnit.Count, outcome.queued);
  // Most events have no endpoint to go to: log only those that do.
  if (outcome.queued + outcome.alreadyQueued > 0) logger.info('event fanned out', { ...outcome });
}

// A processor per invocation: it holds the batch's state, and the local runtime runs batches of one
// function concurrently in one process (Lambda never does), where a shared one would mix them up.
export const handler = middy((event: SQSEvent, context: Context) =>
  processPartialResponse(event, handleRecord, new BatchProcessor(EventType.SQS), { context }),
)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
