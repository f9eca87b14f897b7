/** SSRF policy: which URLs and resolved addresses a webhook may be sent to. */
import { describe, expect, it } from 'vitest';
import {
  addressRefusal,
  checkWebhookUrl,
  vetAddresses,
  WebhookUrlRefused,
} from '../../src/webhooks/address-policy.js';

describe('addressRefusal (cloud stage)', () => {
  it.each([
    ['127.0.0.1', /loopback/],
    ['127.255.0.9', /loopback/],
    ['10.0.0.1', /private/],
    ['172.16.5.4', /private/],
    ['192.168.1.1', /private/],
    ['169.254.169.254', /linkLocal/],
    ['169.254.170.2', /linkLocal/],
    ['100.64.0.1', /carrierGradeNat/],
    ['100.127.255.254', /carrierGradeNat/],
    ['224.0.0.1', /multicast/],
    ['255.255.255.255', /broadcast/],
    ['0.0.0.0', /unspecified/],
    ['0.1.2.3', /unspecified/],
    ['192.0.2.10', /reserved/],
    ['240.0.0.1', /reserved/],
    ['198.18.0.1', /./],
    ['::1', /loopback/],
    ['::', /unspecified/],
    ['fc00::1', /uniqueLocal/],
    ['fd12:3456::1', /uniqueLocal/],
    ['fe80::1', /linkLocal/],
    ['fec0::1', /SiteLocal/],
    ['ff02::1', /multicast/],
    ['::ffff:169.254.169.254', /linkLocal address 169\.254\.169\.254 \(IPv4-mapped/],
    ['::ffff:a9fe:a9fe', /linkLocal address 169\.254\.169\.254 \(IPv4-mapped/],
    ['::ffff:127.0.0.1', /loopback/],
    ['::ffff:8.8.8.8', /IPv4-mapped/],
    ['64:ff9b::a9fe:a9fe', /rfc6052/],
    ['64:ff9b:1::a00:1', /rfc6052/],
    ['2002:a9fe:a9fe::1', /6to4/],
    ['2001::1', /teredo/],
    ['2001:db8::1', /reserved/],
    ['100::1', /discard/],
    ['not-an-ip', /not an IP/],
  ])('refuses %s', (address, reason) => {
    expect(addressRefusal(address, 'prod')).toMatch(reason);
  });

  it.each(['8.8.8.8', '1.1.1.1', '93.184.216.34', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e'])(
    'allows global unicast %s',
    (address) => {
      expect(addressRefusal(address, 'prod')).toBeUndefined();
    },
  );

  it('the local stage allows loopback, and nothing else that is refused in the cloud', () => {
    expect(addressRefusal('127.0.0.1', 'local')).toBeUndefined();
    expect(addressRefusal('::1', 'local')).toBeUndefined();
    expect(addressRefusal('::ffff:127.0.0.1', 'local')).toMatch(/IPv4-mapped/); // allowed inner, still refused
    for (const a of ['10.0.0.1', '169.254.169.254', '100.64.0.1', 'fc00::1', '::ffff:169.254.169.254']) {
      expect(addressRefusal(a, 'local')).toBeDefined();
    }
  });
});

describe('checkWebhookUrl', () => {
  it('requires https in cloud stages; http only in the local stage', () => {
    expect(checkWebhookUrl('https://hooks.example.com/x', 'prod').host).toBe('hooks.example.com');
    expect(() => checkWebhookUrl('http://hooks.example.com/x', 'prod')).toThrow(/https only/);
    expect(() => checkWebhookUrl('ftp://hooks.example.com/x', 'local')).toThrow(WebhookUrlRefused);
    expect(() => checkWebhookUrl('file:///etc/passwd', 'local')).toThrow(WebhookUrlRefused);
    expect(checkWebhookUrl('http://localhost:8080/x', 'local').host).toBe('localhost');
    expect(() => checkWebhookUrl('not a url', 'prod')).toThrow(/not a valid URL/);
    expect(() => checkWebhookUrl('https://user:pw@hooks.example.com/', 'prod')).toThrow(/credentials/);
  });

  it.each([
    'https://2130706433/',
    'https://0x7f000001/',
    'https://0x7f.0.0.1/',
    'https://017700000001/',
    'https://127.1/',
    'https://0251.0376.0251.0376/',
  ])('refuses the non-canonical IPv4 form %s in every stage', (url) => {
    expect(() => checkWebhookUrl(url, 'prod')).toThrow(/non-canonical IPv4/);
    expect(() => checkWebhookUrl(url, 'local')).toThrow(/non-canonical IPv4/);
  });

  it('refuses a decimal IPv4 host over http in the local stage too (where loopback is otherwise allowed)', () => {
    expect(() => checkWebhookUrl('http://2130706433:8080/hook', 'local')).toThrow(
      /non-canonical IPv4 .*127\.0\.0\.1/,
    );
  });

  it('recognises IP literals (v4 and bracketed v6) so they skip DNS', () => {
    expect(checkWebhookUrl('https://10.0.0.1/', 'prod').literal).toBe('10.0.0.1');
    expect(checkWebhookUrl('https://[::ffff:169.254.169.254]/', 'prod').literal).toBe('::ffff:a9fe:a9fe');
    expect(checkWebhookUrl('https://hooks.example.com/', 'prod').literal).toBeUndefined();
  });
});

describe('vetAddresses', () => {
  const https = checkWebhookUrl('https://hooks.example.com/', 'prod');
  it('returns the first address when every one is allowed', () => {
    expect(vetAddresses(https, ['93.184.216.34', '2606:4700::1'], 'prod')).toBe('93.184.216.34');
  });
  it('refuses when any resolved address is forbidden (mixed answers)', () => {
    expect(() => vetAddresses(https, ['93.184.216.34', '169.254.169.254'], 'prod')).toThrow(/linkLocal/);
    expect(() => vetAddresses(https, [], 'prod')).toThrow(/no address/);
  });
  it('allows plain http in the local stage only to loopback', () => {
    const http = checkWebhookUrl('http://receiver.test:9000/', 'local');
    expect(vetAddresses(http, ['127.0.0.1'], 'local')).toBe('127.0.0.1');
    expect(() => vetAddresses(http, ['93.184.216.34'], 'local')).toThrow(/only to localhost/);
  });
});
