import { ChangeMessageVisibilityCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';

const sqs = new SQSClient({});
const queueUrls = new Map<string, Promise<string>>();

/** The queue URL of a record's source queue (GetQueueUrl by name and owner, once per queue). */
function queueUrlOf(record: SQSRecord): Promise<string> {
  const arn = record.eventSourceARN;
  let url = queueUrls.get(arn);
  if (!url) {
    const [, , , , account, name] = arn.split(':');
    url = sqs
      .send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }))
      .then((out) => out.QueueUrl as string);
    url.catch(() => queueUrls.delete(arn));
    queueUrls.set(arn, url);
  }
  return url;
}

/**
 * Hides a message that is about to be reported as failed for `seconds` (SQS allows 0-12 h), instead
 * of the queue's visibility timeout: the redelivery then comes when the caller wants it.
 */
export async function hideMessage(record: SQSRecord, seconds: number): Promise<void> {
  await sqs.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: await queueUrlOf(record),
      ReceiptHandle: record.receiptHandle,
      VisibilityTimeout: Math.min(43_200, Math.max(0, Math.round(seconds))),
    }),
  );
}
