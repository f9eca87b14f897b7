/**
 * S3 event notifications as they arrive in an SQS message body (event structure version 2.x):
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
 */

/** One object event, the key already URL-decoded. */
export interface S3ObjectEvent {
  bucket: string;
  key: string;
  /** Absent for ObjectRemoved events. */
  size?: number;
  eTag?: string;
  /** Without the `s3:` prefix, as S3 writes it: `ObjectCreated:Put`, `ObjectCreated:Post`, ... */
  eventName: string;
  /** Orders events for the same key (hex, compare after padding to equal length). */
  sequencer?: string;
  eventTime?: string;
}

/** The body is not an S3 event notification (not JSON, no Records, records without bucket/key). */
export class MalformedEventError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MalformedEventError';
  }
}

/**
 * Keys in event records are URL-encoded with `+` for a space (form encoding):
 * `my photo+1.jpg` arrives as `my+photo%2B1.jpg`.
 */
export function decodeS3Key(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}

/**
 * Parses the body of an SQS message carrying an S3 event notification. The `s3:TestEvent` that S3
 * sends when a notification is configured yields no events; anything else that is not an S3 event
 * throws MalformedEventError (a poison message: acknowledge and log it, do not retry).
 */
export function parseS3EventMessage(body: string): S3ObjectEvent[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new MalformedEventError('message body is not JSON', { cause: error });
  }
  if (!isObject(parsed)) throw new MalformedEventError('message body is not a JSON object');
  if (parsed.Event === 's3:TestEvent') return [];
  const records = parsed.Records;
  if (!Array.isArray(records)) throw new MalformedEventError('message body has no Records array');
  return records.map((record, index) => parseRecord(record, index));
}

function parseRecord(record: unknown, index: number): S3ObjectEvent {
  const where = `Records[${index}]`;
  if (!isObject(record)) throw new MalformedEventError(`${where} is not an object`);
  if (record.eventSource !== 'aws:s3') {
    throw new MalformedEventError(`${where} is not an S3 event (eventSource ${String(record.eventSource)})`);
  }
  const s3 = record.s3;
  const bucket = isObject(s3) && isObject(s3.bucket) ? s3.bucket.name : undefined;
  const object = isObject(s3) && isObject(s3.object) ? s3.object : undefined;
  if (typeof bucket !== 'string' || !bucket) throw new MalformedEventError(`${where} has no s3.bucket.name`);
  if (!object || typeof object.key !== 'string' || !object.key) {
    throw new MalformedEventError(`${where} has no s3.object.key`);
  }
  if (typeof record.eventName !== 'string') throw new MalformedEventError(`${where} has no eventName`);
  let key: string;
  try {
    key = decodeS3Key(object.key);
  } catch (error) {
    throw new MalformedEventError(`${where} has a malformed URL-encoded key`, { cause: error });
  }
  const size = object.size;
  if (size !== undefined && (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)) {
    throw new MalformedEventError(`${where} has an invalid s3.object.size`);
  }
  return {
    bucket,
    key,
    size,
    eTag: optionalString(object.eTag),
    eventName: record.eventName,
    sequencer: optionalString(object.sequencer),
    eventTime: optionalString(record.eventTime),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const optionalString = (value: unknown) => (typeof value === 'string' ? value : undefined);
