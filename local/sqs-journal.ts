import { type MessageAttributeValue, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { JsonFiles } from './json-files.js';

/**
 * SQS keeps a message until a consumer deletes it; fauxqs keeps it in memory only. This journal, kept by
 * the SQS front of a durable stack, makes the local queues last as long as SQS's: a message is on disk
 * before its SendMessage is answered and leaves the disk when a DeleteMessage (or a purge) removes it, so
 * after a stop or a kill -9 every undeleted message is sent again (at-least-once, as SQS delivers).
 * One file per message, named by its MessageId, written to a temporary name and renamed (never torn).
 * A message fauxqs moved to a dead-letter queue follows there once a consumer receives it from that queue;
 * one moved and not yet received is sent again to the queue it was sent to (and may be dead-lettered again).
 */
export interface JournaledMessage {
  /** The queue's name (URLs change with the front's port). */
  queue: string;
  body: string;
  attributes?: Record<string, unknown>;
  systemAttributes?: Record<string, unknown>;
  groupId?: string;
  deduplicationId?: string;
  /** When the message becomes visible (epoch ms): a replay keeps what is left of its DelaySeconds. */
  visibleAt: number;
  /** Order of acceptance (journal time, then a counter): a replay keeps a FIFO group's order. */
  seq?: number;
}

/** Receipt handles remembered per journal (a message received and never deleted leaves one behind). */
const MAX_HANDLES = 100_000;
/**
 * MessageIds deleted recently, kept this long: a consumer can delete a message before its send was
 * journaled, and a FIFO queue answers a deduplicated send with the MessageId of the original, which may
 * have been deleted already (its deduplication window is 5 minutes).
 */
const RECENT_DELETE_MS = 5 * 60_000;

export class SqsJournal {
  private readonly handles = new Map<string, string>();
  private readonly deletedRecently = new Map<string, number>();
  /** The queue each journaled message is filed under (what its file says), so a receive needs no read. */
  private readonly queueOf = new Map<string, string>();
  private counter = 0;

  private readonly files: JsonFiles<JournaledMessage>;

  constructor(dir: string) {
    this.files = new JsonFiles(dir);
  }

  /** A send fauxqs accepted, before its answer goes back to the sender. */
  sent(messageId: string, message: JournaledMessage): void {
    if (this.deletedRecently.has(messageId)) return;
    this.write(messageId, { ...message, seq: Date.now() * 1000 + (this.counter++ % 1000) });
  }

  /** Messages a ReceiveMessage returned from `queue`: their receipt handles, and the queue they are on now. */
  received(queue: string, messages: { MessageId?: string; ReceiptHandle?: string }[]): void {
    for (const { MessageId, ReceiptHandle } of messages) {
      if (!MessageId || !ReceiptHandle) continue;
      this.handles.set(ReceiptHandle, MessageId);
      if (this.handles.size > MAX_HANDLES) this.handles.delete(this.handles.keys().next().value as string);
      // The file is read and rewritten only when the message moved (to a DLQ): receives cost no I/O.
      const journaledOn = this.queueOf.get(MessageId);
      if (journaledOn === undefined || journaledOn === queue) continue;
      const message = this.files.read(MessageId);
      if (message) this.write(MessageId, { ...message, queue });
    }
  }

  /** A DeleteMessage (or one entry of a batch) that succeeded. */
  deleted(receiptHandle: string): void {
    const messageId = this.handles.get(receiptHandle);
    if (!messageId) return;
    this.handles.delete(receiptHandle);
    this.remove(messageId);
    this.rememberDeleted(messageId);
  }

  /** PurgeQueue: every message journaled for the queue goes. */
  purged(queue: string): void {
    for (const [messageId, message] of this.entries()) if (message.queue === queue) this.remove(messageId);
  }

  /** The journal as a restart finds it: the messages to send again, with the ids they were journaled under. */
  entries(): [string, JournaledMessage][] {
    const found: [string, JournaledMessage][] = [];
    for (const name of this.files.ids()) {
      const message = this.files.read(name);
      if (!message) continue;
      this.queueOf.set(name, message.queue);
      found.push([name, message]);
    }
    return found.sort((a, b) => a[1].visibleAt - b[1].visibleAt || (a[1].seq ?? 0) - (b[1].seq ?? 0));
  }

  /** Drops an entry once it was sent again (it is journaled anew under its new MessageId). */
  forget(messageId: string): void {
    this.remove(messageId);
  }

  private rememberDeleted(messageId: string): void {
    const now = Date.now();
    // Oldest first (insertion order): stop at the first one still inside the window.
    for (const [id, at] of this.deletedRecently) {
      if (now - at <= RECENT_DELETE_MS) break;
      this.deletedRecently.delete(id);
    }
    this.deletedRecently.set(messageId, now);
  }

  private write(messageId: string, message: JournaledMessage): void {
    this.files.write(messageId, message);
    this.queueOf.set(messageId, message.queue);
  }

  private remove(messageId: string): boolean {
    this.queueOf.delete(messageId);
    return this.files.remove(messageId);
  }
}

/** The queue name at the end of a QueueUrl. */
export const queueNameOf = (queueUrl: string) => queueUrl.slice(queueUrl.lastIndexOf('/') + 1);

/** Longest DelaySeconds SQS accepts. */
const MAX_DELAY_SECONDS = 900;

/**
 * At a durable stack's start, once its queues exist: sends every journaled message again (through the
 * front, so each is journaled anew under its new MessageId) and drops the old entry. A message whose queue
 * is no longer in the template is dropped with a log line.
 */
export async function replaySqsJournal(
  journal: SqsJournal,
  sqs: SQSClient,
  queueUrlOf: (name: string) => string | undefined,
  log: (line: string) => void,
): Promise<number> {
  let sent = 0;
  const now = Date.now();
  for (const [messageId, message] of journal.entries()) {
    const QueueUrl = queueUrlOf(message.queue);
    if (!QueueUrl) {
      log(`sqs journal: queue ${message.queue} no longer exists; message ${messageId} dropped`);
      journal.forget(messageId);
      continue;
    }
    const delay = Math.ceil((message.visibleAt - now) / 1000);
    await sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: message.body,
        ...(message.attributes ? { MessageAttributes: sdkAttributes(message.attributes) } : {}),
        ...(message.systemAttributes
          ? { MessageSystemAttributes: sdkAttributes(message.systemAttributes) as never }
          : {}),
        ...(message.groupId ? { MessageGroupId: message.groupId } : {}),
        ...(message.deduplicationId ? { MessageDeduplicationId: message.deduplicationId } : {}),
        // FIFO queues take no per-message delay.
        ...(delay > 0 && !message.groupId ? { DelaySeconds: Math.min(delay, MAX_DELAY_SECONDS) } : {}),
      }),
    );
    journal.forget(messageId);
    sent++;
  }
  if (sent) log(`sqs journal: ${sent} message(s) sent again after the restart`);
  return sent;
}

/** The JSON protocol's attribute values as the SDK takes them (binary values are base64 on the wire). */
function sdkAttributes(attributes: Record<string, unknown>): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, raw] of Object.entries(attributes)) {
    const value = raw as { DataType: string; StringValue?: string; BinaryValue?: string };
    out[name] = {
      DataType: value.DataType,
      ...(value.StringValue !== undefined ? { StringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { BinaryValue: Buffer.from(value.BinaryValue, 'base64') } : {}),
    };
  }
  return out;
}
