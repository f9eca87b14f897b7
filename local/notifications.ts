import type { EventEmitter } from 'node:events';
import { request } from 'node:http';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { LambdaHost } from './lambda-host.js';
import { type Json, type LocalTemplate, REGION } from './template.js';

/**
 * S3 event notifications from the template (CDK's Custom::S3BucketNotifications, or a bucket's own
 * NotificationConfiguration), delivered from s3rver's `event` emitter the way S3 delivers them.
 */
export interface NotificationTarget {
  bucket: string;
  id: string;
  events: string[];
  prefix: string;
  suffix: string;
  queueUrl?: string;
  functionLogicalId?: string;
}

/** The object key as S3 puts it in event records: URL-encoded, '/' kept, space as '+'. */
export function encodeEventKey(key: string): string {
  return key
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/%20/g, '+'))
    .join('/');
}

/** `s3:ObjectCreated:*` matches `ObjectCreated:Put`; exact names match themselves. */
export function eventMatches(patterns: string[], eventName: string): boolean {
  return patterns.some((p) => {
    const pattern = p.replace(/^s3:/, '');
    return pattern.endsWith('*') ? eventName.startsWith(pattern.slice(0, -1)) : pattern === eventName;
  });
}

function filterRules(filter: Json): { prefix: string; suffix: string } {
  const rules: { Name?: string; Value?: string }[] = filter?.Key?.FilterRules ?? filter?.S3Key?.Rules ?? [];
  const value = (name: string) => rules.find((r) => r.Name?.toLowerCase() === name)?.Value ?? '';
  return { prefix: value('prefix'), suffix: value('suffix') };
}

/** Reads every notification target in the template. */
export function readNotificationTargets(
  template: LocalTemplate,
  log: (line: string) => void,
): NotificationTarget[] {
  const targets: NotificationTarget[] = [];
  const add = (bucket: string, config: Json, index: number) => {
    const queueConfigs: Json[] = config?.QueueConfigurations ?? [];
    const lambdaConfigs: Json[] = config?.LambdaFunctionConfigurations ?? config?.LambdaConfigurations ?? [];
    for (const [i, c] of queueConfigs.entries()) {
      const arn = String(c.QueueArn ?? c.Queue);
      const queueId = template.findByArn('AWS::SQS::Queue', arn);
      if (!queueId) throw new Error(`S3 notification on ${bucket} targets unknown queue ${arn}`);
      targets.push({
        bucket,
        id: c.Id ?? `local-notification-${index}-q${i}`,
        events: c.Events ?? [c.Event],
        ...filterRules(c.Filter),
        queueUrl: template.queueUrl(queueId),
      });
    }
    for (const [i, c] of lambdaConfigs.entries()) {
      const arn = String(c.LambdaFunctionArn ?? c.Function);
      const fn = template.findByArn('AWS::Lambda::Function', arn);
      if (!fn) throw new Error(`S3 notification on ${bucket} targets unknown function ${arn}`);
      targets.push({
        bucket,
        id: c.Id ?? `local-notification-${index}-f${i}`,
        events: c.Events ?? [c.Event],
        ...filterRules(c.Filter),
        functionLogicalId: fn,
      });
    }
    if (config?.TopicConfigurations?.length || config?.EventBridgeConfiguration)
      log(`warning: S3 notifications to SNS topics / EventBridge on ${bucket} are not delivered locally`);
  };
  let index = 0;
  for (const [, r] of template.ofType('Custom::S3BucketNotifications')) {
    const props = template.resolve(r.Properties ?? {});
    add(String(props.BucketName), props.NotificationConfiguration, index++);
  }
  for (const [id, r] of template.ofType('AWS::S3::Bucket')) {
    const config = r.Properties?.NotificationConfiguration;
    if (config) add(template.physicalName(id), template.resolve(config), index++);
  }
  return targets;
}

export interface NotificationDeliveryOptions {
  template: LocalTemplate;
  emitter: EventEmitter;
  sqs: SQSClient;
  host: LambdaHost;
  s3rverEndpoint: string;
  isCompletingMultipart: (bucket: string, key: string) => boolean;
  log: (line: string) => void;
}

export interface NotificationDelivery {
  targets: NotificationTarget[];
  /** Deliveries started and not yet finished. */
  pending(): number;
  stop(): void;
}

let sequence = 0;
function sequencer(): string {
  sequence = (sequence + 1) % 4096;
  return (BigInt(Date.now()) * 4096n + BigInt(sequence)).toString(16).toUpperCase().padStart(16, '0');
}

function headETag(s3rverEndpoint: string, bucket: string, key: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const url = `${s3rverEndpoint}/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
    const req = request(url, { method: 'HEAD' }, (res) => {
      res.resume();
      resolve(String(res.headers.etag ?? '').replace(/"/g, '') || undefined);
    });
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/** One s3rver record → the record S3 would send (eventVersion 2.1, encoded key, real names and ARNs). */
export function normaliseRecord(
  raw: Json,
  eventName: string,
  configurationId: string,
): Record<string, unknown> {
  const bucket = String(raw.s3.bucket.name);
  const object = raw.s3.object ?? {};
  const sourceIp = String(raw.requestParameters?.sourceIPAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: REGION,
    eventTime: raw.eventTime ?? new Date().toISOString(),
    eventName,
    userIdentity: raw.userIdentity ?? { principalId: 'AWS:LOCAL' },
    requestParameters: { sourceIPAddress: sourceIp },
    responseElements: raw.responseElements ?? {},
    s3: {
      s3SchemaVersion: '1.0',
      configurationId,
      bucket: {
        name: bucket,
        ownerIdentity: raw.s3.bucket.ownerIdentity ?? {},
        arn: `arn:aws:s3:::${bucket}`,
      },
      object: {
        key: encodeEventKey(String(object.key)),
        ...(object.size !== undefined ? { size: Number(object.size) } : {}),
        ...(object.eTag ? { eTag: String(object.eTag).replace(/"/g, '') } : {}),
        sequencer: sequencer(),
      },
    },
  };
}

export function startNotificationDelivery(options: NotificationDeliveryOptions): NotificationDelivery {
  const { sqs, host, log } = options;
  const targets = readNotificationTargets(options.template, log);
  let inFlight = 0;

  const deliver = async (raw: Json, eventName: string) => {
    const bucket = String(raw.s3.bucket.name);
    const key = String(raw.s3.object?.key ?? '');
    const matching = targets.filter(
      (t) =>
        t.bucket === bucket &&
        eventMatches(t.events, eventName) &&
        key.startsWith(t.prefix) &&
        key.endsWith(t.suffix),
    );
    if (!matching.length) return;
    if (eventName.startsWith('ObjectCreated:') && !raw.s3.object?.eTag)
      raw.s3.object.eTag = await headETag(options.s3rverEndpoint, bucket, key);
    for (const target of matching) {
      const record = normaliseRecord(raw, eventName, target.id);
      const body = JSON.stringify({ Records: [record] });
      if (target.queueUrl) {
        await sqs.send(new SendMessageCommand({ QueueUrl: target.queueUrl, MessageBody: body }));
        log(`s3 ${eventName} s3://${bucket}/${key} → ${target.queueUrl.split('/').pop()}`);
      } else if (target.functionLogicalId) {
        // Asynchronous invocation, as S3 → Lambda is.
        void host.invoke(target.functionLogicalId, { Records: [record] }).catch(() => undefined);
      }
    }
  };

  const listener = (event: { Records?: Json[] }) => {
    for (const raw of event.Records ?? []) {
      let eventName = String(raw.eventName);
      const bucket = String(raw.s3?.bucket?.name);
      const key = String(raw.s3?.object?.key ?? '');
      // Decided now, synchronously: the multipart flag is only set while the completing request is served.
      if (eventName === 'ObjectCreated:Post' && options.isCompletingMultipart(bucket, key))
        eventName = 'ObjectCreated:CompleteMultipartUpload';
      inFlight++;
      deliver(raw, eventName)
        .catch((error) =>
          log(`s3 notification for s3://${bucket}/${key} failed: ${(error as Error).message}`),
        )
        .finally(() => {
          inFlight--;
        });
    }
  };
  options.emitter.on('event', listener);
  return {
    targets,
    pending: () => inFlight,
    stop: () => {
      options.emitter.off('event', listener);
    },
  };
}
