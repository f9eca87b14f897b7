import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { z } from 'zod';
import { loadConfig } from '../../src/contract/config.js';
import { batchRunner } from '../shared/batches.js';
import { logger, tracer } from '../shared/observability.js';

const runner = batchRunner(loadConfig());

/** The terminal job events of batch jobs, as the bus rule delivers them (only the fields used). */
const JobEnded = z.object({
  detail: z.object({ tenant: z.string().min(1), job: z.object({ id: z.string().min(1) }) }),
});

/**
 * A batch job ended (completed, failed or cancelled): return the task token of the slot that started
 * it, so the slot starts the next job. Errors throw: the rule's target retries, then its DLQ keeps it.
 */
export const handler = middy(async (event: unknown) => {
  const { detail } = JobEnded.parse(event);
  logger.appendKeys({ tenant: detail.tenant, jobId: detail.job.id });
  await runner.onJobEnded(detail.tenant, detail.job.id);
})
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger, { resetKeys: true }));
