import { describe, expect, it } from 'vitest';
import {
  buildHttpApiEvent,
  isTextContentType,
  mapLambdaResult,
  matchRoute,
  parseRouteKey,
  type Route,
} from '../../local/http-api-event.js';
import { type LocalFunction, mergeEnvironments } from '../../local/lambda-host.js';
import { encodeEventKey, eventMatches, normaliseRecord } from '../../local/notifications.js';
import { failedMessageIds, sqsEventRecord } from '../../local/pollers.js';
import { corsHeaders } from '../../local/s3-front.js';
import type { Json } from '../../local/template.js';

const route = (routeKey: string): Route => ({
  routeKey,
  ...parseRouteKey(routeKey),
  functionLogicalId: routeKey,
});

describe('HTTP API routing', () => {
  const routes = [
    'GET /jobs/{id}',
    'GET /jobs/stats',
    'ANY /jobs/{id}',
    'POST /jobs',
    'GET /files/{proxy+}',
    '$default',
  ].map(route);
  const keyFor = (method: string, path: string) => matchRoute(routes, method, path)?.route.routeKey;

  it('prefers literal segments, then parameters, then greedy paths, then $default', () => {
    expect(keyFor('GET', '/jobs/stats')).toBe('GET /jobs/stats');
    expect(keyFor('GET', '/jobs/42')).toBe('GET /jobs/{id}');
    expect(keyFor('DELETE', '/jobs/42')).toBe('ANY /jobs/{id}');
    expect(keyFor('POST', '/jobs')).toBe('POST /jobs');
    expect(keyFor('GET', '/files/a/b/c.png')).toBe('GET /files/{proxy+}');
    expect(keyFor('GET', '/files')).toBe('$default');
    expect(keyFor('GET', '/jobs/42/extra')).toBe('$default');
    expect(matchRoute(routes.slice(0, -1), 'GET', '/nope')).toBeUndefined();
  });

  it('decodes path parameters; greedy ones keep their slashes', () => {
    expect(matchRoute(routes, 'GET', '/jobs/a%20b')?.pathParameters).toEqual({ id: 'a b' });
    expect(matchRoute(routes, 'GET', '/files/x/y%2Bz.png')?.pathParameters).toEqual({ proxy: 'x/y+z.png' });
  });
});

describe('HTTP API event (payload 2.0)', () => {
  const match = { route: route('POST /jobs/{id}'), pathParameters: { id: '7' } };
  const base = { method: 'POST', url: '/jobs/7?a=1&a=2&b=', sourceIp: '10.0.0.1', apiId: 'abc123' };

  it('builds the documented shape', () => {
    const event = buildHttpApiEvent(
      {
        ...base,
        headers: {
          host: '127.0.0.1:3000',
          'content-type': 'application/json',
          'x-multi': ['1', '2'],
          cookie: 'a=1; b=2',
        },
        body: Buffer.from('{"x":1}'),
      },
      match,
    );
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /jobs/{id}',
      rawPath: '/jobs/7',
      rawQueryString: 'a=1&a=2&b=',
      cookies: ['a=1', 'b=2'],
      queryStringParameters: { a: '1,2', b: '' },
      pathParameters: { id: '7' },
      body: '{"x":1}',
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        apiId: 'abc123',
        domainName: '127.0.0.1',
        http: { method: 'POST', path: '/jobs/7', protocol: 'HTTP/1.1', sourceIp: '10.0.0.1' },
        routeKey: 'POST /jobs/{id}',
        stage: '$default',
      },
    });
    expect(event.headers).toMatchObject({
      'x-multi': '1,2',
      'content-type': 'application/json',
      'x-forwarded-for': '10.0.0.1',
    });
    expect(event.headers.cookie).toBeUndefined();
    expect(event.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
  });

  it('base64-encodes binary bodies and omits absent parts', () => {
    const binary = buildHttpApiEvent(
      { ...base, url: '/jobs/7', headers: { 'content-type': 'image/png' }, body: Buffer.from([0, 255]) },
      { route: route('$default') },
    );
    expect(binary).toMatchObject({ body: 'AP8=', isBase64Encoded: true });
    expect(binary).not.toHaveProperty('queryStringParameters');
    expect(binary).not.toHaveProperty('pathParameters');
    expect(binary).not.toHaveProperty('cookies');
    expect(isTextContentType('application/vnd.api+json; charset=utf-8')).toBe(true);
    expect(isTextContentType('application/octet-stream')).toBe(false);
  });

  it('maps results by the 2.0 rules', () => {
    expect(
      mapLambdaResult({ statusCode: 201, headers: { Location: '/x' }, cookies: ['a=1'], body: 'ok' }),
    ).toMatchObject({
      statusCode: 201,
      headers: { location: '/x', 'content-type': 'application/json' },
      cookies: ['a=1'],
    });
    expect(mapLambdaResult({ statusCode: 200, body: 'AP8=', isBase64Encoded: true }).body).toEqual(
      Buffer.from([0, 255]),
    );
    const plain = mapLambdaResult({ hello: 'world' });
    expect([plain.statusCode, plain.body.toString(), plain.headers['content-type']]).toEqual([
      200,
      '{"hello":"world"}',
      'application/json',
    ]);
    expect(mapLambdaResult('hi').body.toString()).toBe('hi');
    expect(() => mapLambdaResult({ statusCode: 'nope' })).toThrow();
  });
});

describe('S3 event records', () => {
  it('URL-encodes keys as S3 does: slashes kept, spaces as +', () => {
    expect(encodeEventKey('t/acme/my photo (1)+ü.jpg')).toBe('t/acme/my+photo+(1)%2B%C3%BC.jpg');
    expect(decodeURIComponent(encodeEventKey('a b/c=d').replace(/\+/g, ' '))).toBe('a b/c=d');
  });

  it('matches event name patterns', () => {
    expect(eventMatches(['s3:ObjectCreated:*'], 'ObjectCreated:CompleteMultipartUpload')).toBe(true);
    expect(eventMatches(['s3:ObjectCreated:Put'], 'ObjectCreated:Post')).toBe(false);
    expect(eventMatches(['s3:ObjectRemoved:*'], 'ObjectCreated:Put')).toBe(false);
  });

  it('normalises an s3rver record', () => {
    const raw = {
      eventVersion: '2.0',
      eventTime: '2026-01-01T00:00:00.000Z',
      eventName: 'ObjectCreated:Post',
      requestParameters: { sourceIPAddress: '::ffff:127.0.0.1' },
      s3: {
        bucket: { name: 'b', arn: 'arn:aws:s3: : :b' },
        object: { key: 'in/a b.jpg', size: 3, eTag: 'abc', sequencer: '1' },
      },
    };
    const record = normaliseRecord(raw, 'ObjectCreated:CompleteMultipartUpload', 'cfg');
    expect(record).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventName: 'ObjectCreated:CompleteMultipartUpload',
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      s3: {
        configurationId: 'cfg',
        bucket: { name: 'b', arn: 'arn:aws:s3:::b' },
        object: { key: 'in/a+b.jpg', size: 3, eTag: 'abc' },
      },
    });
    const a = (normaliseRecord(raw, 'x', 'c') as Json).s3.object.sequencer as string;
    const b = (normaliseRecord(raw, 'x', 'c') as Json).s3.object.sequencer as string;
    expect(BigInt(`0x${b}`) > BigInt(`0x${a}`)).toBe(true);
  });
});

describe('SQS event source', () => {
  it('builds the Lambda SQS record', () => {
    const record = sqsEventRecord(
      {
        MessageId: 'm1',
        ReceiptHandle: 'r1',
        Body: 'hi',
        MD5OfBody: 'md5',
        Attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: '1',
          SenderId: 'x',
          ApproximateFirstReceiveTimestamp: '2',
        },
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'image' },
          raw: { DataType: 'Binary', BinaryValue: new Uint8Array([1]) },
        },
      },
      'arn:aws:sqs:us-east-1:000000000000:q',
    );
    expect(record).toEqual({
      messageId: 'm1',
      receiptHandle: 'r1',
      body: 'hi',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '1',
        SenderId: 'x',
        ApproximateFirstReceiveTimestamp: '2',
      },
      messageAttributes: {
        kind: {
          stringValue: 'image',
          binaryValue: undefined,
          stringListValues: [],
          binaryListValues: [],
          dataType: 'String',
        },
        raw: {
          stringValue: undefined,
          binaryValue: 'AQ==',
          stringListValues: [],
          binaryListValues: [],
          dataType: 'Binary',
        },
      },
      md5OfBody: 'md5',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q',
      awsRegion: 'us-east-1',
    });
  });

  it('decides which messages failed, as Lambda does', () => {
    const ids = ['a', 'b', 'c'];
    expect(failedMessageIds(ids, { error: true }, true)).toEqual(ids);
    expect(
      failedMessageIds(ids, { error: false, result: { batchItemFailures: [{ itemIdentifier: 'b' }] } }, true),
    ).toEqual(['b']);
    expect(
      failedMessageIds(
        ids,
        { error: false, result: { batchItemFailures: [{ itemIdentifier: 'b' }] } },
        false,
      ),
    ).toEqual([]);
    expect(failedMessageIds(ids, { error: false, result: undefined }, true)).toEqual([]);
    expect(failedMessageIds(ids, { error: false, result: { batchItemFailures: [] } }, true)).toEqual([]);
    // Malformed responses fail the whole batch.
    expect(
      failedMessageIds(
        ids,
        { error: false, result: { batchItemFailures: [{ itemIdentifier: 'zz' }] } },
        true,
      ),
    ).toEqual(ids);
    expect(failedMessageIds(ids, { error: false, result: { batchItemFailures: [{}] } }, true)).toEqual(ids);
  });
});

describe('S3 front CORS', () => {
  it('answers with the first rule matching origin and method', () => {
    const rules = [
      {
        AllowedOrigins: ['https://*.example.com'],
        AllowedMethods: ['POST'],
        ExposedHeaders: ['ETag'],
        MaxAge: 60,
      },
      { AllowedOrigins: ['*'], AllowedMethods: ['GET'] },
    ];
    expect(corsHeaders(rules, 'https://app.example.com', 'POST')).toMatchObject({
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-expose-headers': 'ETag',
      'access-control-max-age': '60',
    });
    expect(corsHeaders(rules, 'https://evil.com', 'POST')).toEqual({});
    expect(corsHeaders(rules, 'https://evil.com', 'GET')['access-control-allow-origin']).toBe('*');
    expect(corsHeaders(rules, undefined, 'GET')).toEqual({});
  });
});

describe('function environments', () => {
  const fn = (logicalId: string, environment: Record<string, string>): LocalFunction => ({
    logicalId,
    name: logicalId,
    arn: `arn:aws:lambda:us-east-1:000000000000:function:${logicalId}`,
    entry: 'x.ts',
    handler: 'handler',
    timeoutSeconds: 3,
    memoryMb: 128,
    environment,
  });

  it('merges agreeing variables and rejects conflicting ones', () => {
    expect(mergeEnvironments([fn('A', { T: '1', U: '2' }), fn('B', { T: '1' })])).toEqual({ T: '1', U: '2' });
    expect(() => mergeEnvironments([fn('A', { T: '1' }), fn('B', { T: '2' })])).toThrow(
      /T is '1' in A but '2' in B/,
    );
  });
});
