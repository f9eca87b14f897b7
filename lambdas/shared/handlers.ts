import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger, metrics } from './observability.js';

/**
 * The composition of every SQS-triggered function: records handled one at a time with partial batch
 * failures (a record that throws goes back to the queue alone), Lambda context in the logs, metrics
 * flushed at the end. `throwOnFullBatchFailure: false` when a batch where every record is retried on
 * purpose (deferred webhook attempts) is not an error. A processor per invocation: it holds the batch's
 * state, and the local runtime runs batches of one function concurrently in one process (Lambda never
 * does), where a shared one would mix them up.
 */
export function sqsBatchHandler(
  handleRecord: (record: SQSRecord) => Promise<unknown>,
  options: { throwOnFullBatchFailure?: boolean } = {},
) {
  return middy((event: SQSEvent, context: Context) =>
    processPartialResponse(event, handleRecord, new BatchProcessor(EventType.SQS), { context, ...options }),
  )
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics));
}

/** A function run by a schedule (EventBridge rule): Lambda context in the logs, metrics flushed. */
export function scheduledHandler<E, R>(run: (event: E) => Promise<R>) {
  return middy(run).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}
