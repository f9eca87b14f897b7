import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { loadConfig } from '../../src/contract/config.js';
import { ENV, readPositiveNumber } from '../../src/contract/env.js';
import { scheduledHandler } from '../shared/handlers.js';
import { jobEventRelay } from '../shared/job-store.js';
import { logger, metrics } from '../shared/observability.js';

const config = loadConfig();
if (!config.eventBusName) throw new Error(`invalid function configuration: ${ENV.eventBusName} is required`);
const relay = jobEventRelay(config, config.eventBusName);
/** Entries younger than this are left to the writer that recorded them (it publishes right after). */
const graceMs = (readPositiveNumber('outboxGraceSeconds') ?? 30) * 1000;

/** Once a minute: publishes job events whose writer died before publishing them. */
export const handler = scheduledHandler(async () => {
  const swept = await relay.sweep(graceMs);
  if (swept.jobs > 0) logger.warn('republished events left in outboxes', { ...swept });
  metrics.addMetric('OutboxEventsRepublished', MetricUnit.Count, swept.events);
  // An outbox parked after repeated failures needs a look (its entries stay on the job item).
  metrics.addMetric('OutboxesParked', MetricUnit.Count, swept.parked);
  if (swept.parked > 0) logger.error('parked job outboxes that kept failing to publish', { ...swept });
  if (swept.failures > 0) throw new Error(`${swept.failures} job outbox(es) could not be published`);
  return swept;
});
