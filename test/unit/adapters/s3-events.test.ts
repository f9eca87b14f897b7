import { describe, expect, it } from 'vitest';
import { parseIngestMessages } from '../../../src/adapters/aws/ingest-messages.js';
import {
  decodeS3Key,
  MalformedEventError,
  parseS3EventMessage,
} from '../../../src/adapters/aws/s3-events.js';

/** An SQS message body as S3 sends it (event structure 2.1, from the S3 user guide). */
function s3EventBody(records: { key: string; eventName?: string; size?: number }[]) {
  return JSON.stringify({
    Records: records.map(({ key, eventName = 'ObjectCreated:Post', size = 1024 }, i) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: '2026-11-22T19:00:00.000Z',
      eventName,
      userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
      requestParameters: { sourceIPAddress: '203.0.113.7' },
      responseElements: {
        'x-amz-request-id': 'C3D13FE58DE4C810',
        'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD',
      },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'uploads-to-ingest',
        bucket: {
          name: 'media-uploads-dev',
          ownerIdentity: { principalId: 'A3NL1KOZZKExample' },
          arn: 'arn:aws:s3:::media-uploads-dev',
        },
        object: {
          key,
          size,
          eTag: 'd41d8cd98f00b204e9800998ecf8427e',
          versionId: '096fKKXTRTtl3on89fVO.nfljtsv6qko',
          sequencer: `0055AED6DCD9028${i}C`,
        },
      },
    })),
  });
}

describe('parseS3EventMessage', () => {
  it('extracts bucket, decoded key, size, eTag, eventName and sequencer', () => {
    const events = parseS3EventMessage(
      s3EventBody([{ key: 't/acme/uploads/01J0000000000000000000000A/my+photo%2B1%C3%A9.jpg' }]),
    );
    expect(events).toEqual([
      {
        bucket: 'media-uploads-dev',
        key: 't/acme/uploads/01J0000000000000000000000A/my photo+1é.jpg',
        size: 1024,
        eTag: 'd41d8cd98f00b204e9800998ecf8427e',
        eventName: 'ObjectCreated:Post',
        sequencer: '0055AED6DCD90280C',
        eventTime: '2026-11-22T19:00:00.000Z',
      },
    ]);
  });

  it('returns every record, including zero-byte objects, in order', () => {
    const events = parseS3EventMessage(
      s3EventBody([
        { key: 'a.jpg', size: 0, eventName: 'ObjectCreated:Put' },
        { key: 'b.mp4', eventName: 'ObjectCreated:CompleteMultipartUpload' },
      ]),
    );
    expect(events.map((e) => [e.key, e.size, e.eventName])).toEqual([
      ['a.jpg', 0, 'ObjectCreated:Put'],
      ['b.mp4', 1024, 'ObjectCreated:CompleteMultipartUpload'],
    ]);
  });

  it('ignores the s3:TestEvent sent when notifications are configured', () => {
    const body = JSON.stringify({
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Time: '2026-11-22T19:00:00.000Z',
      Bucket: 'media-uploads-dev',
      RequestId: '5582815E1AEA5ADF',
      HostId: '8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE',
    });
    expect(parseS3EventMessage(body)).toEqual([]);
  });

  it('throws MalformedEventError for bodies that are not S3 events', () => {
    const bad = [
      'not json',
      '',
      '"a string"',
      '[]',
      'null',
      JSON.stringify({ kind: 'job', tenant: 'acme', jobId: '01J0000000000000000000000A' }),
      JSON.stringify({ Records: 'nope' }),
      JSON.stringify({ Records: [null] }),
      JSON.stringify({ Records: [{ eventSource: 'aws:sqs' }] }),
      JSON.stringify({
        Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: {} } }],
      }),
      JSON.stringify({
        Records: [
          {
            eventSource: 'aws:s3',
            eventName: 'ObjectCreated:Put',
            s3: { bucket: { name: 'b' }, object: {} },
          },
        ],
      }),
      s3EventBody([{ key: 'bad%E0%A4%A.jpg' }]),
      s3EventBody([{ key: 'neg.jpg', size: -1 }]),
    ];
    for (const body of bad) {
      expect(() => parseS3EventMessage(body), body).toThrow(MalformedEventError);
    }
  });
});

describe('decodeS3Key', () => {
  it('turns + into a space before percent-decoding', () => {
    expect(decodeS3Key('a+b%2Bc%20d%2Fe')).toBe('a b+c d/e');
  });
});

describe('parseIngestMessages', () => {
  const jobId = '01J0000000000000000000000A';

  it('reads a job message from SqsJobQueue', () => {
    expect(parseIngestMessages(JSON.stringify({ kind: 'job', tenant: 'acme', jobId }))).toEqual([
      { kind: 'job', tenant: 'acme', jobId },
    ]);
  });

  it('turns ObjectCreated records into upload messages and drops the rest', () => {
    const body = s3EventBody([
      { key: `t/acme/uploads/${jobId}/a+b.jpg`, size: 7 },
      { key: 'gone.jpg', eventName: 'ObjectRemoved:Delete' },
    ]);
    expect(parseIngestMessages(body)).toEqual([
      {
        kind: 'upload',
        bucket: 'media-uploads-dev',
        key: `t/acme/uploads/${jobId}/a b.jpg`,
        size: 7,
        eTag: 'd41d8cd98f00b204e9800998ecf8427e',
      },
    ]);
    expect(parseIngestMessages(JSON.stringify({ Event: 's3:TestEvent', Service: 'Amazon S3' }))).toEqual([]);
  });

  it('rejects job messages with a bad tenant or id, and bodies of neither kind', () => {
    for (const body of [
      JSON.stringify({ kind: 'job', tenant: 'ACME', jobId }),
      JSON.stringify({ kind: 'job', tenant: 'acme', jobId: '../x' }),
      JSON.stringify({ kind: 'other' }),
      '{',
    ]) {
      expect(() => parseIngestMessages(body), body).toThrow(MalformedEventError);
    }
  });
});
