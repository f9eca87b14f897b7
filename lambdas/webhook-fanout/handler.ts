import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';
import { loadConfig } from '../../src/contract/config.js';
import { WebhookFanout } from '../../src/webhooks/webhook-fanout.js';
import { sqsBatchHandler } from '../shared/handlers.js';
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

export const handler = sqsBatchHandler(handleRecord);
