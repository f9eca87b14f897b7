import { beforeAll, describe, expect, it } from 'vitest';
import {
  compilePath,
  deliveryError,
  type EventEnvelope,
  type EventRule,
  entrySize,
  eventTime,
  inputTransformer,
  LocalEventBus,
  ratePeriodMs,
  readEventRules,
  selectPath,
} from '../../local/event-bus.js';
import { canonicalContext, type KmsApiError, LocalKms, readKmsKeys } from '../../local/kms-front.js';
import { startLocalStack } from '../../local/runtime.js';
import { type Json, LocalTemplate } from '../../local/template.js';
import { KEY_ALIAS, synthesizeEventsFixture } from './fixtures/events-stack.js';

let raw: Record<string, Json>;
let template: LocalTemplate;
const host = { find: (ref: string) => ({ logicalId: `fn:${ref.split(':').pop()}` }) } as never;
const idOf = (type: string, prefix: string) =>
  Object.keys(raw.Resources).find((id) => id.startsWith(prefix) && raw.Resources[id].Type === type) as string;

beforeAll(() => {
  raw = synthesizeEventsFixture();
  template = new LocalTemplate(structuredClone(raw) as never);
});

const envelope = (detail: Record<string, unknown> = {}): EventEnvelope => ({
  version: '0',
  id: 'e1',
  'detail-type': 'Job Completed',
  source: 'media-pipeline',
  account: '000000000000',
  time: '2026-01-02T03:04:05Z',
  region: 'us-east-1',
  resources: [],
  detail,
});

describe('template: buses, rules and keys', () => {
  it('resolves Ref of an event bus to its name, and rule names and ARNs with their bus', () => {
    const outputs = template.outputs();
    const rule = template.physicalName(idOf('AWS::Events::Rule', 'JobCompleted'));
    expect(outputs.BusName).toBe('media-pipeline-fixture');
    expect(outputs.BusArn).toBe('arn:aws:events:us-east-1:000000000000:event-bus/media-pipeline-fixture');
    expect(outputs.CompletedRuleArn).toBe(
      `arn:aws:events:us-east-1:000000000000:rule/media-pipeline-fixture/${rule}`,
    );
    expect(outputs.CompletedRuleName).toBe(`media-pipeline-fixture|${rule}`);
    const defaultRule = idOf('AWS::Events::Rule', 'DefaultBus');
    expect(template.ruleBusName(defaultRule)).toBe('default');
    expect(template.ref(defaultRule)).toBe(template.physicalName(defaultRule));
    expect(template.arn(defaultRule)).toBe(
      `arn:aws:events:us-east-1:000000000000:rule/${template.physicalName(defaultRule)}`,
    );
  });

  it('gives KMS keys a UUID key id that Ref, KeyId and the ARN agree on', () => {
    const outputs = template.outputs();
    expect(outputs.KeyId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(outputs.KeyArn).toBe(`arn:aws:kms:us-east-1:000000000000:key/${outputs.KeyId}`);
    const { keys, aliases } = readKmsKeys(template);
    expect(aliases[KEY_ALIAS]).toBe(outputs.KeyId);
    expect(keys.map((k) => [k.logicalId.replace(/[0-9A-F]{8}$/, ''), k.enabled])).toEqual([
      ['DataKey', true],
      ['DisabledKey', false],
    ]);
  });
});

describe('rules from the template', () => {
  it('reads patterns, states, schedules and targets', () => {
    const rules = readEventRules(template, host, () => undefined);
    const byId = (prefix: string) => rules.find((r) => r.logicalId.startsWith(prefix)) as EventRule;
    const completed = byId('JobCompleted');
    expect(completed.busName).toBe('media-pipeline-fixture');
    expect(completed.targets.map((t) => t.kind)).toEqual(['sqs', 'sqs', 'sqs', 'lambda']);
    expect(completed.matches?.(envelope({ status: 'succeeded' }))).toBe(true);
    expect(completed.matches?.(envelope({ status: 'failed' }))).toBe(false);
    expect(byId('Disabled').state).toBe('DISABLED');
    expect(byId('Ticker').periodMs).toBe(5 * 60_000);
    expect(byId('Nightly').periodMs).toBeUndefined();
    expect(byId('ToMachine').targets[0]?.kind).toBe('states');
    const doomed = byId('Doomed').targets[0];
    expect(doomed?.maxRetries).toBe(1);
    expect(doomed?.deadLetterQueueUrl).toMatch(/\/000000000000\/TargetDlq/);
  });

  it('applies InputPath and InputTransformer', () => {
    const rules = readEventRules(template, host, () => undefined);
    const completed = rules.find((r) => r.logicalId.startsWith('JobCompleted')) as EventRule;
    const [plain, detailOnly, transformed] = completed.targets;
    const event = envelope({ id: 'job-1', status: 'succeeded' });
    expect(JSON.parse(plain?.input(event, completed) ?? '')).toEqual(event);
    expect(JSON.parse(detailOnly?.input(event, completed) ?? '')).toEqual(event.detail);
    expect(JSON.parse(transformed?.input(event, completed) ?? '')).toEqual({
      job: 'job-1',
      kind: 'Job Completed',
      fixed: 'constant',
    });
  });

  it('refuses an invalid event pattern, schedule or target', () => {
    const broken = (mutate: (t: Record<string, Json>) => void) => {
      const copy = structuredClone(raw);
      mutate(copy);
      return () => readEventRules(new LocalTemplate(copy as never), host, () => undefined);
    };
    const completed = idOf('AWS::Events::Rule', 'JobCompleted');
    expect(
      broken((t) => {
        t.Resources[completed].Properties.EventPattern = { source: 'media-pipeline' };
      }),
    ).toThrow(new RegExp(`rule ${completed} has an invalid EventPattern: invalid event pattern at source`));
    expect(
      broken((t) => {
        t.Resources[idOf('AWS::Events::Rule', 'Ticker')].Properties.ScheduleExpression = 'rate(1 minutes)';
      }),
    ).toThrow(/invalid ScheduleExpression 'rate\(1 minutes\)'/);
    expect(
      broken((t) => {
        t.Resources[completed].Properties.Targets[0].Arn = 'arn:aws:sqs:us-east-1:000000000000:nope';
      }),
    ).toThrow(/not an SQS queue of the template/);
  });

  it('refuses to start the runtime on an invalid pattern', async () => {
    const copy = structuredClone(raw);
    copy.Resources[idOf('AWS::Events::Rule', 'JobCompleted')].Properties.EventPattern = {
      detail: { size: [{ numeric: ['>'] }] },
    };
    await expect(startLocalStack({ template: copy, projectRoot: process.cwd() })).rejects.toThrow(
      /invalid EventPattern/,
    );
  });
});

describe('event bus helpers', () => {
  it('parses rate expressions like EventBridge', () => {
    expect(ratePeriodMs('rate(1 minute)')).toBe(60_000);
    expect(ratePeriodMs('rate(15 minutes)')).toBe(900_000);
    expect(ratePeriodMs('rate(2 hours)')).toBe(7_200_000);
    expect(ratePeriodMs('rate(1 day)')).toBe(86_400_000);
    expect(ratePeriodMs('cron(0 3 * * ? *)')).toBeUndefined();
    for (const bad of [
      'rate(1 minutes)',
      'rate(5 minute)',
      'rate(0 minutes)',
      'rate(1 week)',
      'every minute',
    ])
      expect(() => ratePeriodMs(bad)).toThrow(/invalid ScheduleExpression/);
  });

  it('selects JSON paths', () => {
    const value = { detail: { 'a-b': [{ c: 1 }], x: 'y' }, 'detail-type': 'T' };
    expect(selectPath(value, compilePath('$'))).toBe(value);
    expect(selectPath(value, compilePath('$.detail-type'))).toBe('T');
    expect(selectPath(value, compilePath("$.detail['a-b'][0].c"))).toBe(1);
    expect(selectPath(value, compilePath('$.detail.missing.deeper'))).toBeUndefined();
    expect(() => compilePath('detail')).toThrow(/must start with \$/);
    expect(() => compilePath('$.a[')).toThrow(/invalid JSON path/);
  });

  it('fills InputTransformer templates, strings unquoted and values as JSON', () => {
    const rule = { name: 'r', arn: 'arn:r' } as EventRule;
    const transform = inputTransformer({
      InputPathsMap: {
        id: '$.detail.id',
        size: '$.detail.size',
        tags: '$.detail.tags',
        nope: '$.detail.nope',
      },
      InputTemplate:
        '{"text": "job <id> (<size> bytes, <tags>) by <aws.events.rule-name>", "id": <id>, "tags": <tags>, "n": <nope>, "<kept>": 1}',
    });
    expect(JSON.parse(transform(envelope({ id: 'a"b', size: 3, tags: ['x'] }), rule))).toEqual({
      text: 'job a"b (3 bytes, ["x"]) by r',
      id: 'a"b',
      tags: ['x'],
      n: null,
      '<kept>': 1,
    });
  });

  it('measures entries as EventBridge does', () => {
    expect(entrySize({ Source: 'ab', DetailType: 'cd', Detail: '{}', Resources: ['xyz'], Time: 1 })).toBe(
      14 + 2 + 2 + 2 + 3,
    );
    expect(entrySize({ Source: 'é' })).toBe(2);
  });

  it('formats times to the second and classifies delivery errors', () => {
    expect(eventTime(new Date('2026-01-02T03:04:05.678Z'))).toBe('2026-01-02T03:04:05Z');
    expect(deliveryError(Object.assign(new Error('gone'), { name: 'QueueDoesNotExist' }))).toEqual({
      code: 'NO_RESOURCE',
      message: 'gone',
      retriable: false,
    });
    expect(deliveryError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })).code).toBe(
      'CONNECTION_FAILURE',
    );
    expect(deliveryError(new Error('?')).retriable).toBe(true);
  });

  it('validates PutEvents entries without a runtime', () => {
    const bus = new LocalEventBus({
      rules: [],
      buses: ['custom'],
      sqs: {} as never,
      invoker: { invoke: async () => undefined },
    });
    const ok = { Source: 's', DetailType: 'd', Detail: '{}' };
    const result = bus.putEvents({
      Entries: [
        ok,
        { ...ok, EventBusName: 'arn:aws:events:us-east-1:000000000000:event-bus/custom' },
        { ...ok, Source: undefined },
        { ...ok, Detail: '"text"' },
        { ...ok, EventBusName: 'missing' },
      ],
    });
    expect(result.FailedEntryCount).toBe(3);
    expect(result.Entries.map((e) => ('ErrorCode' in e ? e.ErrorCode : 'ok'))).toEqual([
      'ok',
      'ok',
      'InvalidArgument',
      'MalformedDetail',
      'ResourceNotFoundException',
    ]);
    expect(() => bus.putEvents({ Entries: [] })).toThrow(/greater than or equal to 1/);
  });
});

describe('LocalKms', () => {
  const key = (id: string, enabled = true) => ({
    logicalId: id,
    keyId: `00000000-0000-4000-a000-00000000000${id}`,
    arn: `arn:aws:kms:us-east-1:000000000000:key/00000000-0000-4000-a000-00000000000${id}`,
    enabled,
    keySpec: 'SYMMETRIC_DEFAULT',
    keyUsage: 'ENCRYPT_DECRYPT',
    description: '',
  });
  const kms = new LocalKms([key('1'), key('2'), key('3', false)], { 'alias/one': key('1').keyId });
  const error = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return (e as KmsApiError).code;
    }
    return 'no error';
  };

  it('binds the encryption context, whatever the order of its keys', () => {
    const { blob } = kms.encrypt('alias/one', Buffer.from('hi'), { a: '1', b: '2' });
    expect(kms.decrypt(blob, { b: '2', a: '1' }).plaintext.toString()).toBe('hi');
    expect(error(() => kms.decrypt(blob, { a: '1' }))).toBe('InvalidCiphertextException');
    expect(error(() => kms.decrypt(blob, undefined))).toBe('InvalidCiphertextException');
    expect(canonicalContext({ b: '2', a: '1' }).equals(canonicalContext({ a: '1', b: '2' }))).toBe(true);
  });

  it('resolves keys by id, ARN, alias and alias ARN, and refuses the rest', () => {
    for (const ref of [
      key('1').keyId,
      key('1').arn,
      'alias/one',
      'arn:aws:kms:us-east-1:000000000000:alias/one',
    ])
      expect(kms.key(ref).logicalId).toBe('1');
    expect(error(() => kms.key('alias/none'))).toBe('NotFoundException');
    expect(error(() => kms.key('11111111-2222-4333-a444-555555555555'))).toBe('NotFoundException');
    const { blob } = kms.encrypt(key('1').keyId, Buffer.from('x'), undefined);
    expect(error(() => kms.decrypt(blob, undefined, key('2').keyId))).toBe('IncorrectKeyException');
    expect(error(() => kms.encrypt(key('3').keyId, Buffer.from('x'), undefined))).toBe('DisabledException');
    const tampered = Buffer.from(blob);
    tampered[tampered.length - 1] = (tampered.at(-1) as number) ^ 1;
    expect(error(() => kms.decrypt(tampered, undefined))).toBe('InvalidCiphertextException');
    expect(error(() => kms.decrypt(Buffer.from('short'), undefined))).toBe('InvalidCiphertextException');
  });

  it('keeps key material per runtime: another instance cannot decrypt', () => {
    const { blob } = kms.encrypt('alias/one', Buffer.from('x'), undefined);
    const other = new LocalKms([key('1')]);
    expect(error(() => other.decrypt(blob, undefined))).toBe('InvalidCiphertextException');
    const secret = Buffer.alloc(32, 7);
    const a = new LocalKms([key('1')], {}, secret);
    const b = new LocalKms([key('1')], {}, secret);
    expect(
      b
        .decrypt(a.encrypt(key('1').keyId, Buffer.from('same'), undefined).blob, undefined)
        .plaintext.toString(),
    ).toBe('same');
  });
});
