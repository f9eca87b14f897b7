import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store.js';
import { loadConfig } from '../../src/contract/config.js';
import { failTranscode, finalizeTranscode, VideoTaskInput } from '../../src/jobs/video/video-finalize.js';
import { jobStore } from '../shared/job-store.js';
import { logger, metrics, tracer } from '../shared/observability.js';

const config = loadConfig();
const deps = { jobs: jobStore(config), objects: new S3ObjectStore(), outputsBucket: config.outputsBucket };

/** The video state machine's Lambda steps (lib/constructs/video.ts); use cases in src/jobs/video/video-finalize.ts. */
export const handler = middy(async (event: unknown) => {
  const input = VideoTaskInput.parse(event);
  logger.appendKeys({ tenant: input.tenant, jobId: input.jobId, attempt: input.attempt });
  const result =
    input.action === 'finalize' ? await finalizeTranscode(deps, input) : await failTranscode(deps, input);
  logger.info(`video ${input.action}`, { ...result });
  // The image worker counts image jobs; video and audio jobs end here (the same metrics, so the
  // dashboard's job counts include them).
  if (result.status === 'COMPLETED' || result.status === 'FAILED')
    metrics.addMetric(result.status === 'COMPLETED' ? 'JobsCompleted' : 'JobsFailed', MetricUnit.Count, 1);
  return result;
})
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
