import { type MessageAttributeValue, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { LambdaHost, LocalFunction } from './lambda-host.js';
import type { LocalTemplate } from './template.js';

/**
 * Asynchronous Lambda invocation (InvocationType Event) as Lambda runs it: the caller's part ends when
 * the event is accepted; a handler error is retried by Lambda (`MaximumRetryAttempts` of the function's
 * `AWS::Lambda::EventInvokeConfig`, default 2), then the event goes to the function's on-failure destination
 * (an SQS queue or a function) or its dead-letter queue (`DeadLetterConfig.TargetArn`, an SQS queue).
 * Retries wait `retryDelayMs`, doubling, instead of Lambda's minutes.
 */
export interface AsyncInvokeConfig {
  maxRetries: number;
  maxEventAgeSeconds: number;
  deadLetterQueueUrl?: string;
  onFailure?: { queueUrl: string } | { functionLogicalId: string };
  onSuccess?: { queueUrl: string } | { functionLogicalId: string };
}

const DEFAULT_CONFIG: AsyncInvokeConfig = { maxRetries: 2, maxEventAgeSeconds: 6 * 60 * 60 };

function destination(
  template: LocalTemplate,
  arn: unknown,
  what: string,
  log: (line: string) => void,
): AsyncInvokeConfig['onFailure'] {
  if (typeof arn !== 'string' || !arn) return undefined;
  const queue = template.findByArn('AWS::SQS::Queue', arn);
  if (queue) return { queueUrl: template.queueUrl(queue) };
  const fn = template.findByArn('AWS::Lambda::Function', arn);
  if (fn) return { functionLogicalId: fn };
  log(`warning: ${what} ${arn} is not delivered locally (only SQS queues and functions of the template are)`);
  return undefined;
}

/** Each hosted function's asynchronous invocation settings, by logical id. */
export function readAsyncConfigs(
  template: LocalTemplate,
  functions: LocalFunction[],
  log: (line: string) => void,
): Map<string, AsyncInvokeConfig> {
  const configs = new Map<string, AsyncInvokeConfig>();
  for (const fn of functions) {
    const props = template.resource(fn.logicalId).Properties ?? {};
    const dlq = template.resolve(props.DeadLetterConfig?.TargetArn);
    const config: AsyncInvokeConfig = { ...DEFAULT_CONFIG };
    if (dlq) {
      const queue = template.findByArn('AWS::SQS::Queue', String(dlq));
      if (queue) config.deadLetterQueueUrl = template.queueUrl(queue);
      else log(`warning: dead-letter target ${dlq} of ${fn.logicalId} is not an SQS queue of the template`);
    }
    configs.set(fn.logicalId, config);
  }
  for (const [id, r] of template.ofType('AWS::Lambda::EventInvokeConfig')) {
    const props = template.resolve(r.Properties ?? {});
    const fn = functions.find((f) => [f.name, f.arn, f.logicalId].includes(String(props.FunctionName)));
    const config = fn && configs.get(fn.logicalId);
    if (!fn || !config) continue;
    if (props.MaximumRetryAttempts !== undefined) config.maxRetries = Number(props.MaximumRetryAttempts);
    if (props.MaximumEventAgeInSeconds !== undefined)
      config.maxEventAgeSeconds = Number(props.MaximumEventAgeInSeconds);
    const failure = props.DestinationConfig?.OnFailure?.Destination;
    const success = props.DestinationConfig?.OnSuccess?.Destination;
    config.onFailure = destination(template, failure, `on-failure destination (${id})`, log);
    config.onSuccess = destination(template, success, `on-success destination (${id})`, log);
  }
  return configs;
}

function errorPayload(error: unknown) {
  const e = error as Error | undefined;
  return {
    errorType: e?.name ?? 'Error',
    errorMessage: e?.message ?? String(error),
    trace: String(e?.stack ?? '').split('\n'),
  };
}

export class AsyncInvoker {
  private running = 0;
  private stopped = false;
  private readonly stopping = new AbortController();

  constructor(
    private readonly host: LambdaHost,
    private readonly sqs: SQSClient,
    private readonly configs: Map<string, AsyncInvokeConfig>,
    private readonly log: (line: string) => void,
    private readonly retryDelayMs = 100,
  ) {}

  /** Asynchronous invocations (with their retries and destinations) not yet finished. */
  pending(): number {
    return this.running;
  }

  /**
   * Accepts an event for `ref` and runs it in the background; the promise resolves when the invocation,
   * its retries and its destination delivery are over (it never rejects).
   */
  invoke(ref: string, event: unknown): Promise<void> {
    const fn = this.host.find(ref);
    this.running++;
    return this.run(fn, event)
      .catch((error) => this.log(`async ${fn.logicalId}: ${(error as Error).message}`))
      .finally(() => {
        this.running--;
      });
  }

  stop(): void {
    this.stopped = true;
    this.stopping.abort();
  }

  private async run(fn: LocalFunction, event: unknown): Promise<void> {
    const config = this.configs.get(fn.logicalId) ?? DEFAULT_CONFIG;
    const accepted = Date.now();
    const requestId = crypto.randomUUID();
    let attempts = 0;
    let lastError: unknown;
    for (;;) {
      attempts++;
      try {
        const result = await this.host.invoke(fn.logicalId, event);
        if (config.onSuccess)
          await this.deliver(
            config.onSuccess,
            this.record(fn, requestId, event, attempts, 'Success', result),
          );
        return;
      } catch (error) {
        lastError = error;
      }
      const tooOld = Date.now() - accepted >= config.maxEventAgeSeconds * 1000;
      if (this.stopped || attempts > config.maxRetries || tooOld) break;
      await this.sleep(this.retryDelayMs * 2 ** (attempts - 1));
      if (this.stopped) break;
    }
    // Stopped, not failed: a durable stack's event journal sends the event again at the next start, and
    // without one the stop loses what was in flight either way. No failure record for an interruption.
    if (this.stopped) {
      this.log(`async ${fn.logicalId}: interrupted by the stop after ${attempts} attempt(s)`);
      return;
    }
    const payload = errorPayload(lastError);
    if (config.onFailure) {
      const condition = attempts > config.maxRetries ? 'RetriesExhausted' : 'EventAgeExceeded';
      const record = this.record(fn, requestId, event, attempts, condition, payload, true);
      await this.deliver(config.onFailure, record);
      this.log(`async ${fn.logicalId}: failed ${attempts} time(s), sent to its on-failure destination`);
    } else if (config.deadLetterQueueUrl) {
      const attributes: Record<string, MessageAttributeValue> = {
        RequestID: { DataType: 'String', StringValue: requestId },
        ErrorCode: { DataType: 'Number', StringValue: '200' },
        ErrorMessage: { DataType: 'String', StringValue: payload.errorMessage.slice(0, 1024) || 'Error' },
      };
      await this.sqs.send(
        new SendMessageCommand({
          QueueUrl: config.deadLetterQueueUrl,
          MessageBody: JSON.stringify(event),
          MessageAttributes: attributes,
        }),
      );
      this.log(`async ${fn.logicalId}: failed ${attempts} time(s), sent to its dead-letter queue`);
    } else {
      this.log(`async ${fn.logicalId}: failed ${attempts} time(s), event dropped (no DLQ or destination)`);
    }
  }

  /** The invocation record Lambda sends to destinations. */
  private record(
    fn: LocalFunction,
    requestId: string,
    event: unknown,
    attempts: number,
    condition: string,
    response: unknown,
    failed = false,
  ) {
    return {
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: {
        requestId,
        functionArn: `${fn.arn}:$LATEST`,
        condition,
        approximateInvokeCount: attempts,
      },
      requestPayload: event,
      responseContext: {
        statusCode: 200,
        executedVersion: '$LATEST',
        ...(failed ? { functionError: 'Unhandled' } : {}),
      },
      responsePayload: response,
    };
  }

  private async deliver(target: NonNullable<AsyncInvokeConfig['onFailure']>, record: unknown) {
    if ('queueUrl' in target)
      await this.sqs.send(
        new SendMessageCommand({ QueueUrl: target.queueUrl, MessageBody: JSON.stringify(record) }),
      );
    else await this.invoke(target.functionLogicalId, record);
  }

  private sleep(ms: number): Promise<void> {
    return abortableSleep(ms, this.stopping.signal);
  }
}

/** Resolves after `ms`, or at once when `signal` aborts; the timer never keeps the process alive. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener('abort', done, { once: true });
  });
}
