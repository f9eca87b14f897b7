import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { BatchEvent } from '../../batches/batch-events.js';
import { EVENT_SOURCE } from '../../contract/events.js';
import type { JobEvent } from '../../core/events.js';
import type { EventPublisher } from '../../core/ports.js';

export interface EventBridgePublisherOptions {
  eventBusName: string;
  client?: EventBridgeClient;
  /** Extra rounds for entries PutEvents reports as failed (throttling, internal errors). */
  retries?: number;
}

/** PutEvents in chunks of 10 (the API's limit); entries that fail are retried, then reported. */
export class EventBridgePublisher implements EventPublisher {
  private readonly client: EventBridgeClient;
  private readonly eventBusName: string;
  private readonly retries: number;

  constructor(options: EventBridgePublisherOptions) {
    this.client = options.client ?? new EventBridgeClient({});
    this.eventBusName = options.eventBusName;
    this.retries = options.retries ?? 2;
  }

  async publish(events: readonly (JobEvent | BatchEvent)[]): Promise<void> {
    for (let i = 0; i < events.length; i += 10) {
      await this.putChunk(events.slice(i, i + 10).map((event) => this.entry(event)));
    }
  }

  private entry(event: JobEvent | BatchEvent): PutEventsRequestEntry {
    return {
      EventBusName: this.eventBusName,
      Source: EVENT_SOURCE,
      DetailType: event.type,
      Detail: JSON.stringify(event.detail),
      Time: new Date(event.detail.occurredAt),
    };
  }

  private async putChunk(entries: PutEventsRequestEntry[]): Promise<void> {
    let pending = entries;
    for (let round = 0; ; round++) {
      const out = await this.client.send(new PutEventsCommand({ Entries: pending }));
      if (!out.FailedEntryCount) return;
      const failed = pending.filter((_, i) => out.Entries?.[i]?.ErrorCode);
      if (round >= this.retries) {
        const first = out.Entries?.find((e) => e.ErrorCode);
        throw new Error(
          `PutEvents failed for ${failed.length} event(s): ${first?.ErrorCode} ${first?.ErrorMessage ?? ''}`.trim(),
        );
      }
      pending = failed;
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** round));
    }
  }
}
