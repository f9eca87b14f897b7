import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { AsyncInvoker } from './lambda-async.js';
import type { LocalStateMachines } from './state-machines.js';
import type { Json } from './template.js';

/** Where a schedule's target is delivered: this stack's state machines, SQS queues and functions. */
export interface TargetDependencies {
  stateMachines: Pick<LocalStateMachines, 'machines' | 'start'>;
  sqs: SQSClient;
  /** The SQS front: a queue ARN's URL is `<endpoint>/<account>/<name>` there. */
  sqsEndpoint: string;
  invoker: Pick<AsyncInvoker, 'invoke'>;
}

/**
 * One delivery of a schedule's Target (templated targets only): StartExecution with Input (the name is
 * generated), SendMessage with Input as the body, or an asynchronous invocation with Input as the event.
 * Rejects when the target cannot be reached; other targets (universal `aws-sdk` targets…) are not delivered.
 */
export async function deliverToTarget(target: Json, deps: TargetDependencies): Promise<void> {
  const arn = String(target.Arn);
  // No Input: the target gets an empty JSON object (SQS needs a body).
  const input = typeof target.Input === 'string' ? target.Input : '{}';
  const { stateMachines, sqs, sqsEndpoint, invoker } = deps;
  if (stateMachines.machines.some((m) => m.arn === arn)) {
    stateMachines.start(arn, undefined, input);
    return;
  }
  const queue = /^arn:aws:sqs:[^:]*:([^:]+):(.+)$/.exec(arn);
  if (queue) {
    const groupId = target.SqsParameters?.MessageGroupId;
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: `${sqsEndpoint}/${queue[1]}/${queue[2]}`,
        MessageBody: input,
        ...(groupId ? { MessageGroupId: groupId, MessageDeduplicationId: crypto.randomUUID() } : {}),
      }),
    );
    return;
  }
  if (/^arn:aws:lambda:/.test(arn)) {
    let event: unknown = input;
    try {
      event = JSON.parse(input);
    } catch {
      // A plain-text Input is passed as a string.
    }
    // Accepted once queued: Lambda runs (and retries) the invocation in the background.
    void invoker.invoke(arn, event);
    return;
  }
  throw Object.assign(new Error(`target ${arn} is not delivered locally`), { name: 'UnsupportedTarget' });
}
