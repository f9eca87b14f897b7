import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Priority } from '../../core/job.js';
import type { JobQueue } from '../../core/ports.js';
import { sqsClient } from './clients.js';

/** Sends API-submitted jobs to the queue of their priority, next to the S3 upload events. */
export class SqsJobQueue implements JobQueue {
  private readonly client: SQSClient;
  private readonly queueUrls: Record<Priority, string>;

  constructor(options: { queueUrls: Record<Priority, string>; client?: SQSClient }) {
    this.client = options.client ?? sqsClient();
    this.queueUrls = options.queueUrls;
  }

  async enqueue(message: { tenant: string; jobId: string; priority: Priority }): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrls[message.priority],
        MessageBody: JSON.stringify({ kind: 'job', tenant: message.tenant, jobId: message.jobId }),
      }),
    );
  }
}
