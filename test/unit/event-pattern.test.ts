/**
 * The local bus's event-pattern matcher against the examples in AWS's EventBridge user guide:
 * - https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html (EC2 example)
 * - https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html
 *   (prefix, anything-but, numeric, IP address, exists, complex example)
 * - https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
 *   (suffix, equals-ignore-case, wildcard, anything-but suffix/ignore-case/wildcard, $or)
 * - https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html
 * - https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-null-values.html
 */
import { describe, expect, it } from 'vitest';
import {
  compilePattern,
  EventPatternError,
  matchesPattern,
  validatePattern,
} from '../../local/event-pattern.js';

const ec2Event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
};
const withDetail = (detail: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  ...ec2Event,
  ...extra,
  detail,
});

describe('event patterns: the user guide examples', () => {
  it('matches the EC2 instance-termination pattern, not other states or sources', () => {
    const pattern = {
      source: ['aws.ec2'],
      'detail-type': ['EC2 Instance State-change Notification'],
      detail: { state: ['terminated'] },
    };
    expect(matchesPattern(pattern, ec2Event)).toBe(true);
    expect(matchesPattern(pattern, withDetail({ state: 'running' }))).toBe(false);
    expect(matchesPattern(pattern, { ...ec2Event, source: 'aws.fargate' })).toBe(false);
    expect(
      matchesPattern({ source: ['aws.ec2', 'aws.fargate'] }, { ...ec2Event, source: 'aws.fargate' }),
    ).toBe(true);
  });

  it('prefix: time starting with 2017-10-02; prefix with equals-ignore-case', () => {
    expect(matchesPattern({ time: [{ prefix: '2017-10-02' }] }, { time: '2017-10-02T18:43:48Z' })).toBe(true);
    expect(matchesPattern({ time: [{ prefix: '2017-10-02' }] }, { time: '2017-10-03T18:43:48Z' })).toBe(
      false,
    );
    const ignoreCase = { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } };
    for (const s of ['EventBridge', 'EVENTBRIDGE', 'eventbus'])
      expect(matchesPattern(ignoreCase, { detail: { service: s } })).toBe(true);
    expect(matchesPattern(ignoreCase, { detail: { service: 'Lambda' } })).toBe(false);
  });

  it('suffix: FileName ending in .png, case-sensitive unless equals-ignore-case', () => {
    expect(matchesPattern({ FileName: [{ suffix: '.png' }] }, { FileName: 'photo.png' })).toBe(true);
    expect(matchesPattern({ FileName: [{ suffix: '.png' }] }, { FileName: 'photo.PNG' })).toBe(false);
    const ignoreCase = { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } };
    expect(matchesPattern(ignoreCase, { detail: { FileName: 'photo.PNG' } })).toBe(true);
    expect(matchesPattern(ignoreCase, { detail: { FileName: 'photo.jpg' } })).toBe(false);
  });

  it('equals-ignore-case: Name is "Alice" in any casing', () => {
    const pattern = { Name: [{ 'equals-ignore-case': 'alice' }] };
    expect(matchesPattern(pattern, { Name: 'ALICE' })).toBe(true);
    expect(matchesPattern(pattern, { Name: 'Alicia' })).toBe(false);
  });

  it('anything-but: a string, a number, a list of strings, a list of numbers', () => {
    const state = { detail: { state: [{ 'anything-but': 'initializing' }] } };
    expect(matchesPattern(state, withDetail({ state: 'running' }))).toBe(true);
    expect(matchesPattern(state, withDetail({ state: 'initializing' }))).toBe(false);
    expect(matchesPattern(state, withDetail({}))).toBe(false); // a missing field matches nothing but exists:false
    const limit = { detail: { 'x-limit': [{ 'anything-but': 123 }] } };
    expect(matchesPattern(limit, withDetail({ 'x-limit': 124 }))).toBe(true);
    expect(matchesPattern(limit, withDetail({ 'x-limit': 123 }))).toBe(false);
    const states = { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } };
    expect(matchesPattern(states, withDetail({ state: 'running' }))).toBe(true);
    expect(matchesPattern(states, withDetail({ state: 'overloaded' }))).toBe(false);
    const limits = { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } };
    expect(matchesPattern(limits, withDetail({ 'x-limit': 150 }))).toBe(true);
    expect(matchesPattern(limits, withDetail({ 'x-limit': 200 }))).toBe(false);
  });

  it('anything-but with prefix, suffix, equals-ignore-case and wildcard', () => {
    const notInit = { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } };
    expect(matchesPattern(notInit, withDetail({ state: 'running' }))).toBe(true);
    expect(matchesPattern(notInit, withDetail({ state: 'initializing' }))).toBe(false);
    const notUs = { Region: [{ 'anything-but': { prefix: 'us-' } }] };
    expect(matchesPattern(notUs, { Region: 'eu-west-1' })).toBe(true);
    expect(matchesPattern(notUs, { Region: 'us-east-1' })).toBe(false);
    const notTxt = { detail: { FileName: [{ 'anything-but': { suffix: '.txt' } }] } };
    expect(matchesPattern(notTxt, { detail: { FileName: 'a.png' } })).toBe(true);
    expect(matchesPattern(notTxt, { detail: { FileName: 'a.txt' } })).toBe(false);
    const notInitAnyCase = {
      state: [{ 'anything-but': { 'equals-ignore-case': ['initializing', 'stopped'] } }],
    };
    expect(matchesPattern(notInitAnyCase, { state: 'running' })).toBe(true);
    expect(matchesPattern(notInitAnyCase, { state: 'INITIALIZING' })).toBe(false);
    const notLib = { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] };
    expect(matchesPattern(notLib, { FilePath: '/usr/bin/node' })).toBe(true);
    expect(matchesPattern(notLib, { FilePath: '/usr/lib/node' })).toBe(false);
  });

  it('numeric: every field of the c-count/d-count/x-limit example must hold', () => {
    const pattern = {
      detail: {
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ numeric: ['=', 3.018e2] }],
      },
    };
    expect(matchesPattern(pattern, withDetail({ 'c-count': 5, 'd-count': 9.99, 'x-limit': 301.8 }))).toBe(
      true,
    );
    expect(matchesPattern(pattern, withDetail({ 'c-count': 0, 'd-count': 1, 'x-limit': 301.8 }))).toBe(false);
    expect(matchesPattern(pattern, withDetail({ 'c-count': 6, 'd-count': 1, 'x-limit': 301.8 }))).toBe(false);
    expect(matchesPattern(pattern, withDetail({ 'c-count': 1, 'd-count': 10, 'x-limit': 301.8 }))).toBe(
      false,
    );
    expect(matchesPattern(pattern, withDetail({ 'c-count': 1, 'd-count': 1, 'x-limit': 301 }))).toBe(false);
    // numeric matches JSON numbers only, not numeric strings
    expect(matchesPattern(pattern, withDetail({ 'c-count': '1', 'd-count': 1, 'x-limit': 301.8 }))).toBe(
      false,
    );
    expect(matchesPattern({ n: [{ numeric: ['>=', 10] }] }, { n: 10 })).toBe(true);
  });

  it('cidr: 10.0.0.0/24 and an IPv6 block', () => {
    const pattern = { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } };
    expect(matchesPattern(pattern, withDetail({ sourceIPAddress: '10.0.0.255' }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ sourceIPAddress: '10.0.1.0' }))).toBe(false);
    expect(matchesPattern(pattern, withDetail({ sourceIPAddress: 'not-an-ip' }))).toBe(false);
    expect(matchesPattern(pattern, withDetail({ sourceIPAddress: '::ffff:10.0.0.1' }))).toBe(false);
    const v6 = { ip: [{ cidr: '2001:db8::/32' }] };
    expect(matchesPattern(v6, { ip: '2001:db8:1::1' })).toBe(true);
    expect(matchesPattern(v6, { ip: '2001:db9::1' })).toBe(false);
  });

  it('exists true: has detail.state; not when absent or only an object sits below', () => {
    const pattern = { detail: { state: [{ exists: true }] } };
    expect(matchesPattern(pattern, withDetail({ 'instance-id': 'i-abcd1111', state: 'pending' }))).toBe(true);
    const noState = {
      'detail-type': ['EC2 Instance State-change Notification'],
      resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
      detail: { 'c-count': { c1: 100 } },
    };
    expect(matchesPattern(pattern, noState)).toBe(false);
    expect(matchesPattern({ detail: { 'c-count': [{ exists: true }] } }, noState)).toBe(false); // not a leaf
  });

  it('exists false: no detail.c-count leaf, including when c-count is an object (not a leaf)', () => {
    const pattern = { detail: { 'c-count': [{ exists: false }] } };
    expect(matchesPattern(pattern, { detail: { state: ['initializing', 'running'] } })).toBe(true);
    expect(
      matchesPattern(pattern, { detail: { state: ['initializing', 'running'], 'c-count': { c1: 100 } } }),
    ).toBe(true);
    expect(matchesPattern(pattern, { detail: { 'c-count': 3 } })).toBe(false);
    expect(matchesPattern({ source: [{ exists: false }] }, {})).toBe(true);
  });

  it('the complex example combining prefix, anything-but and numeric', () => {
    const pattern = {
      time: [{ prefix: '2017-10-02' }],
      detail: {
        state: [{ 'anything-but': 'initializing' }],
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ 'anything-but': [100, 200, 300] }],
      },
    };
    const good = {
      time: '2017-10-02T18:43:48Z',
      detail: { state: 'running', 'c-count': 3, 'd-count': 2, 'x-limit': 7 },
    };
    expect(matchesPattern(pattern, good)).toBe(true);
    expect(matchesPattern(pattern, { ...good, time: '2017-10-03T00:00:00Z' })).toBe(false);
    expect(matchesPattern(pattern, { ...good, detail: { ...good.detail, 'x-limit': 300 } })).toBe(false);
    expect(matchesPattern(pattern, { ...good, detail: { ...good.detail, state: 'initializing' } })).toBe(
      false,
    );
  });

  it('null and empty string are matched and are not interchangeable', () => {
    const event = { detail: { eventVersion: '', responseElements: null } };
    expect(matchesPattern({ detail: { eventVersion: [''] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { responseElements: [null] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { responseElements: [''] } }, event)).toBe(false);
    expect(matchesPattern({ detail: { eventVersion: [null] } }, event)).toBe(false);
  });

  it('arrays: matches when the pattern array and the event array intersect', () => {
    const pattern = {
      resources: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
      ],
    };
    const resources = [
      'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate',
      'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
    ];
    expect(matchesPattern(pattern, { resources })).toBe(true);
    expect(matchesPattern(pattern, { resources: [resources[0]] })).toBe(false);
    expect(matchesPattern(pattern, { resources: [] })).toBe(false);
    // nested objects inside an event array: any element may satisfy the sub-pattern
    const items = { detail: { items: { name: ['b'] } } };
    expect(matchesPattern(items, { detail: { items: [{ name: 'a' }, { name: 'b' }] } })).toBe(true);
    expect(matchesPattern(items, { detail: { items: [{ name: 'a' }] } })).toBe(false);
  });

  it('wildcard: dir/*.png, an event bus ARN, escapes', () => {
    const png = { FileName: [{ wildcard: 'dir/*.png' }] };
    expect(matchesPattern(png, { FileName: 'dir/photo.png' })).toBe(true);
    expect(matchesPattern(png, { FileName: 'dir/sub/photo.png' })).toBe(true);
    expect(matchesPattern(png, { FileName: 'other/photo.png' })).toBe(false);
    expect(matchesPattern(png, { FileName: 'dir/photo.jpg' })).toBe(false);
    const arn = { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] };
    expect(
      matchesPattern(arn, { EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/media' }),
    ).toBe(true);
    expect(
      matchesPattern(arn, { EventBusArn: 'arn:aws:events:eu-west-1:123456789012:event-bus/media' }),
    ).toBe(false);
    expect(matchesPattern({ v: [{ wildcard: 'a\\*b' }] }, { v: 'a*b' })).toBe(true);
    expect(matchesPattern({ v: [{ wildcard: 'a\\*b' }] }, { v: 'axxb' })).toBe(false);
    expect(matchesPattern({ v: [{ wildcard: 'a.c' }] }, { v: 'abc' })).toBe(false); // regex characters are literal
  });

  it('$or: numeric alternatives inside detail', () => {
    const pattern = {
      detail: {
        $or: [
          { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
          { 'd-count': [{ numeric: ['<', 10] }] },
          { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
        ],
      },
    };
    expect(matchesPattern(pattern, { detail: { 'c-count': 3 } })).toBe(true);
    expect(matchesPattern(pattern, { detail: { 'c-count': 30, 'd-count': 5 } })).toBe(true);
    expect(matchesPattern(pattern, { detail: { 'x-limit': 301.8 } })).toBe(true);
    expect(matchesPattern(pattern, { detail: { 'c-count': 30, 'd-count': 50, 'x-limit': 1 } })).toBe(false);
  });

  it('$or: alternatives AND-ed with sibling fields, at the top level and nested', () => {
    const pattern = {
      source: ['aws.payments'],
      $or: [{ 'detail-type': ['Payment Accepted'] }, { 'detail-type': ['Payment Rejected'] }],
      detail: { $or: [{ PaymentType: ['Credit', 'Debit'] }, { Amount: [{ numeric: ['>=', 1000] }] }] },
    };
    const event = {
      source: 'aws.payments',
      'detail-type': 'Payment Accepted',
      detail: { PaymentType: 'Credit' },
    };
    expect(matchesPattern(pattern, event)).toBe(true);
    expect(matchesPattern(pattern, { ...event, detail: { PaymentType: 'Cash', Amount: 5000 } })).toBe(true);
    expect(matchesPattern(pattern, { ...event, detail: { PaymentType: 'Cash', Amount: 5 } })).toBe(false);
    expect(matchesPattern(pattern, { ...event, 'detail-type': 'Payment Pending' })).toBe(false);
    expect(matchesPattern(pattern, { ...event, source: 'aws.other' })).toBe(false);
  });

  it('matches this project’s job events by detail-type prefix and tenant', () => {
    const match = compilePattern(
      JSON.stringify({
        source: ['media-pipeline'],
        'detail-type': [{ prefix: 'media.job.' }],
        detail: { tenant: ['acme'] },
      }),
    );
    expect(
      match({ source: 'media-pipeline', 'detail-type': 'media.job.completed', detail: { tenant: 'acme' } }),
    ).toBe(true);
    expect(
      match({ source: 'media-pipeline', 'detail-type': 'media.batch.completed', detail: { tenant: 'acme' } }),
    ).toBe(false);
  });
});

describe('event patterns: validation', () => {
  const bad: [string, unknown][] = [
    ['not an object', ['aws.ec2']],
    ['not JSON', '{source:'],
    ['empty pattern', {}],
    ['a bare value instead of an array', { source: 'aws.ec2' }],
    ['an empty match array', { source: [] }],
    ['an unknown operator', { source: [{ contains: 'x' }] }],
    ['two operators in one object', { source: [{ prefix: 'a', suffix: 'b' }] }],
    ['a non-string prefix', { source: [{ prefix: 1 }] }],
    ['numeric without a bound', { n: [{ numeric: ['>'] }] }],
    ['numeric with an unknown operator', { n: [{ numeric: ['!=', 1] }] }],
    ['numeric with a string bound', { n: [{ numeric: ['>', '1'] }] }],
    ['numeric upper bound first', { n: [{ numeric: ['<', 5, '>', 1] }] }],
    ['numeric out of range', { n: [{ numeric: ['<', 1e10] }] }],
    ['exists not boolean', { n: [{ exists: 'yes' }] }],
    ['anything-but mixing strings and numbers', { n: [{ 'anything-but': ['a', 1] }] }],
    ['anything-but with numeric', { n: [{ 'anything-but': { numeric: ['>', 1] } }] }],
    ['an invalid cidr', { ip: [{ cidr: '10.0.0.0/33' }] }],
    ['consecutive wildcards', { f: [{ wildcard: 'a**b' }] }],
    ['a bad wildcard escape', { f: [{ wildcard: 'a\\b' }] }],
    ['$or not an array', { $or: { a: ['b'] } }],
    ['$or with an empty alternative', { $or: [{}, { a: ['b'] }] }],
  ];
  it.each(bad)('rejects %s', (_name, pattern) => {
    expect(() => validatePattern(pattern)).toThrow(EventPatternError);
  });

  it('names the path of the problem', () => {
    expect(() => validatePattern({ detail: { state: [{ prefix: 1 }] } })).toThrow(/detail\.state\.0/);
  });
});
