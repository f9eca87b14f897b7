import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Priority } from '../../core/job.js';
import type { QueueDepth, QueueStats } from '../../operations/ports.js';
import { sqsClient } from './clients.js';

/** Queue depths from SQS's approximate counters (GetQueueAttributes: one request per queue). */
export class SqsQueueStats implements QueueStats {
  private readonly client: SQSClient;

  constructor(
    private readonly options: {
      queueUrls: Record<Priority, string>;
      deadLetterQueueUrl: string;
      client?: SQSClient;
    },
  ) {
    this.client = options.client ?? sqsClient();
  }

  async depths() {
    const priorities = Object.keys(this.options.queueUrls) as Priority[];
    const [deadLetter, ...jobs] = await Promise.all([
      this.depth(this.options.deadLetterQueueUrl),
      ...priorities.map((priority) => this.depth(this.options.queueUrls[priority])),
    ]);
    return {
      jobs: Object.fromEntries(priorities.map((priority, i) => [priority, jobs[i]])) as Record<
        Priority,
        QueueDepth
      >,
      deadLetter: deadLetter as QueueDepth,
    };
  }

  private async depth(queueUrl: string): Promise<QueueDepth> {
    const out = await this.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    const count = (name: string) => Number(out.Attributes?.[name as keyof typeof out.Attributes] ?? 0) || 0;
    return {
      visible: count('ApproximateNumberOfMessages'),
      inFlight: count('ApproximateNumberOfMessagesNotVisible'),
      delayed: count('ApproximateNumberOfMessagesDelayed'),
    };
  }
}
