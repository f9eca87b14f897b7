import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { z } from 'zod';
import { loadConfig } from '../../src/contract/config.js';
import { batchRunner } from '../shared/batches.js';
import { logger, tracer } from '../shared/observability.js';

const runner = batchRunner(loadConfig());

/** What the batch state machine's Task states send (see lib/constructs/batches.ts). */
const TaskInput = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('start'),
    tenant: z.string(),
    batchId: z.string(),
    executionArn: z.string().optional(),
  }),
  z.object({
    action: z.literal('next'),
    tenant: z.string(),
    batchId: z.string(),
    taskToken: z.string().min(1),
  }),
  z.object({ action: z.literal('finish'), tenant: z.string(), batchId: z.string() }),
]);

/** The batch state machine's tasks; the use cases are in src/batches/batch-runner.ts. */
export const handler = middy(async (event: unknown) => {
  const input = TaskInput.parse(event);
  logger.appendKeys({ tenant: input.tenant, batchId: input.batchId });
  switch (input.action) {
    case 'start':
      return runner.start(input.tenant, input.batchId, input.executionArn);
    case 'next':
      return runner.next(input.tenant, input.batchId, input.taskToken);
    case 'finish':
      return runner.finish(input.tenant, input.batchId);
  }
})
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger, { resetKeys: true }));
