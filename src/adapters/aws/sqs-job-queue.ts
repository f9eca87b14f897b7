import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { JobQueue } from '../../core/ports.js';
import { sqsClient } from './clients.js';

/** Sends API-submitted jobs to the ingest queue, next to the S3 upload events. */
export class SqsJobQueue implements JobQueue {
  private readonly client: SQSClient;
  private readonly queueUrl: string;

  constructor(options: { queueUrl: string; client?: SQSClient }) {
    this.client = options.client ?? sqsClient();
    this.queueUrl = options.queueUrl;
  }

  async enqueue(message: { tenant: string; jobId: string }): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify({ kind: 'job', tenant: message.tenant, jobId: message.jobId }),
      }),
    );
  }
}
