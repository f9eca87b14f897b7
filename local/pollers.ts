import { setMaxListeners } from 'node:events';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { LambdaHost } from './lambda-host.js';
import { type LocalTemplate, REGION } from './template.js';

/**
 * SQS event source mappings: long-poll the queue, invoke the function with the Lambda SQS event, delete
 * what succeeded. Redrive to the dead-letter queue is fauxqs's: it moves a message whose receive count
 * exceeds the queue's RedrivePolicy.maxReceiveCount on the next receive, as SQS does.
 */
export interface SqsMapping {
  logicalId: string;
  functionLogicalId: string;
  queueUrl: string;
  queueArn: string;
  batchSize: number;
  reportBatchItemFailures: boolean;
  /** Batches in flight at once: ScalingConfig.MaximumConcurrency, capped locally. */
  concurrency: number;
}

/** Local cap on concurrent batches per mapping (AWS starts at 5 pollers; this machine has 2 cores). */
export const MAX_LOCAL_CONCURRENCY = 2;

export function readSqsMappings(
  template: LocalTemplate,
  host: LambdaHost,
  log: (l: string) => void,
): SqsMapping[] {
  const mappings: SqsMapping[] = [];
  for (const [id, r] of template.ofType('AWS::Lambda::EventSourceMapping')) {
    const props = template.resolve(r.Properties ?? {});
    const source = String(props.EventSourceArn ?? '');
    if (!source.startsWith('arn:aws:sqs:')) {
      log(`warning: event source mapping ${id} (${source || 'no EventSourceArn'}) is not run locally`);
      continue;
    }
    if (props.Enabled === false || props.Enabled === 'false') continue;
    const queueId = template.findByArn('AWS::SQS::Queue', source);
    if (!queueId) throw new Error(`event source mapping ${id} reads unknown queue ${source}`);
    const fn = host.find(String(props.FunctionName));
    mappings.push({
      logicalId: id,
      functionLogicalId: fn.logicalId,
      queueUrl: template.queueUrl(queueId),
      queueArn: source,
      batchSize: Math.min(10, Math.max(1, Number(props.BatchSize ?? 10))),
      reportBatchItemFailures: (props.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures'),
      concurrency: Math.min(
        MAX_LOCAL_CONCURRENCY,
        Math.max(1, Number(props.ScalingConfig?.MaximumConcurrency ?? 1)),
      ),
    });
  }
  return mappings;
}

/** One SQS message as a record of the Lambda SQS event. */
export function sqsEventRecord(message: Message, queueArn: string) {
  const messageAttributes: Record<string, unknown> = {};
  for (const [name, a] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      stringValue: a.StringValue,
      binaryValue: a.BinaryValue ? Buffer.from(a.BinaryValue).toString('base64') : undefined,
      stringListValues: a.StringListValues ?? [],
      binaryListValues: (a.BinaryListValues ?? []).map((b) => Buffer.from(b).toString('base64')),
      dataType: a.DataType,
    };
  }
  return {
    messageId: message.MessageId as string,
    receiptHandle: message.ReceiptHandle as string,
    body: message.Body ?? '',
    attributes: { ...message.Attributes },
    messageAttributes,
    md5OfBody: message.MD5OfBody as string,
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: REGION,
  };
}

/**
 * The message ids that failed, from the handler's outcome. A malformed batchItemFailures response
 * (an entry without a known itemIdentifier) fails the whole batch, as Lambda does.
 */
export function failedMessageIds(
  ids: string[],
  outcome: { error: true } | { error: false; result: unknown },
  reportBatchItemFailures: boolean,
): string[] {
  if (outcome.error) return ids;
  if (!reportBatchItemFailures) return [];
  const failures = (outcome.result as { batchItemFailures?: unknown } | null | undefined)?.batchItemFailures;
  if (failures === undefined || failures === null) return [];
  if (!Array.isArray(failures)) return ids;
  const failed: string[] = [];
  for (const f of failures) {
    const id = (f as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !ids.includes(id)) return ids;
    failed.push(id);
  }
  return failed;
}

export interface SqsPollers {
  mappings: SqsMapping[];
  /** Batches being processed (received and not yet settled). */
  busy(): number;
  stop(): Promise<void>;
}

export interface SqsPollerOptions {
  mappings: SqsMapping[];
  sqs: SQSClient;
  host: LambdaHost;
  log: (line: string) => void;
  failedMessageVisibilitySeconds?: number;
}

export function startSqsPollers(options: SqsPollerOptions): SqsPollers {
  const { sqs, host, log } = options;
  const abort = new AbortController();
  // Every poll loop's ReceiveMessage listens on this one signal (Node warns past 10 listeners).
  setMaxListeners(0, abort.signal);
  let busy = 0;

  const settle = async (mapping: SqsMapping, messages: Message[]) => {
    const records = messages.map((m) => sqsEventRecord(m, mapping.queueArn));
    const ids = records.map((r) => r.messageId);
    let outcome: { error: true } | { error: false; result: unknown };
    try {
      outcome = { error: false, result: await host.invoke(mapping.functionLogicalId, { Records: records }) };
    } catch {
      outcome = { error: true };
    }
    const failed = new Set(failedMessageIds(ids, outcome, mapping.reportBatchItemFailures));
    const done = records.filter((r) => !failed.has(r.messageId));
    if (done.length)
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: mapping.queueUrl,
          Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
        }),
      );
    if (failed.size) {
      log(
        `${mapping.functionLogicalId}: ${failed.size} of ${ids.length} message(s) failed, left for redelivery`,
      );
      if (options.failedMessageVisibilitySeconds !== undefined)
        await sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: mapping.queueUrl,
            Entries: records
              .filter((r) => failed.has(r.messageId))
              .map((r, i) => ({
                Id: String(i),
                ReceiptHandle: r.receiptHandle,
                VisibilityTimeout: options.failedMessageVisibilitySeconds,
              })),
          }),
        );
    }
  };

  const loop = async (mapping: SqsMapping) => {
    while (!abort.signal.aborted) {
      let messages: Message[] = [];
      try {
        const received = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: mapping.queueUrl,
            MaxNumberOfMessages: mapping.batchSize,
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: abort.signal },
        );
        messages = received.Messages ?? [];
      } catch (error) {
        if (abort.signal.aborted) break;
        log(`poller ${mapping.logicalId}: ${(error as Error).message}`);
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (!messages.length) continue;
      busy++;
      try {
        await settle(mapping, messages);
      } catch (error) {
        log(`poller ${mapping.logicalId}: ${(error as Error).message}`);
      } finally {
        busy--;
      }
    }
  };

  const loops = options.mappings.flatMap((m) => Array.from({ length: m.concurrency }, () => loop(m)));
  return {
    mappings: options.mappings,
    busy: () => busy,
    async stop() {
      abort.abort();
      await Promise.allSettled(loops);
    },
  };
}
