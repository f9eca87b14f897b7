/**
 * Which destinations a webhook may be sent to (SSRF protection at send time).
 *
 * Cloud stages: https only, and every address the host resolves to must be global unicast: no private
 * (10/8, 172.16/12, 192.168/16), loopback, link-local (169.254/16, incl. the EC2/ECS metadata endpoints
 * 169.254.169.254 and 169.254.170.2), CGNAT 100.64/10, multicast, broadcast, 0.0.0.0/8, reserved,
 * benchmarking or documentation ranges; for IPv6 only 2000::/3 global unicast (no ::1, ::, ULA fc00::/7,
 * link-local fe80::/10, site-local, multicast, discard, documentation), and addresses that embed an
 * IPv4 address (IPv4-mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96 and 64:ff9b:1::/48, 6to4, Teredo) are
 * refused outright. The local stage additionally allows loopback, and plain http only to loopback.
 *
 * Non-canonical IPv4 spellings in URLs (http://2130706433/, http://0x7f.1/, http://017700000001/) are
 * refused in every stage: WHATWG URL parsing normalises them to dotted quads, and we refuse rather
 * than guess what some other parser on the path would make of them.
 */
import ipaddr from 'ipaddr.js';

export type Stage = 'local' | (string & {});

export class WebhookUrlRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookUrlRefused';
  }
}

/** IPv4 ranges (ipaddr.js names) a cloud-stage webhook may reach: global unicast only. */
const ALLOWED_V4 = new Set(['unicast']);
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

/** Why an address may not be a webhook destination, or undefined when it may. */
export function addressRefusal(address: string, stage: Stage): string | undefined {
  if (!ipaddr.isValid(address)) return `not an IP address: ${address}`;
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    const range = v6.range();
    if (v6.isIPv4MappedAddress()) {
      const inner = addressRefusal(v6.toIPv4Address().toString(), stage);
      return inner ? `${inner} (IPv4-mapped ${address})` : `IPv4-mapped IPv6 address ${address}`;
    }
    if (range === 'loopback' && stage === 'local') return undefined;
    if (range !== 'unicast' || !v6.match(GLOBAL_UNICAST_V6)) return `${range} IPv6 address ${address}`;
    return undefined;
  }
  const range = (parsed as ipaddr.IPv4).range();
  if (range === 'loopback' && stage === 'local') return undefined;
  if (!ALLOWED_V4.has(range)) return `${range} address ${address}`;
  return undefined;
}

export function isLoopback(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.process(address); // unwraps IPv4-mapped
  return parsed.range() === 'loopback';
}

/** The host as written in the URL (between `//` and the path), without userinfo or port. */
function rawHost(url: string): string {
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(url)?.[1] ?? '';
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1).toLowerCase();
  return host.replace(/:\d*$/, '').toLowerCase();
}

export interface CheckedUrl {
  url: URL;
  /** Hostname without IPv6 brackets. */
  host: string;
  /** Set when the host is an IP literal (no DNS lookup needed). */
  literal?: string;
}

/** Static checks on the URL itself (scheme, credentials, IP spelling); addresses are checked later. */
export function checkWebhookUrl(input: string, stage: Stage): CheckedUrl {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new WebhookUrlRefused('not a valid URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && stage === 'local')) {
    throw new WebhookUrlRefused(`${url.protocol} is not allowed${stage === 'local' ? '' : ' (https only)'}`);
  }
  if (url.username || url.password) throw new WebhookUrlRefused('credentials in the URL are not allowed');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (ipaddr.IPv4.isValidFourPartDecimal(host) && rawHost(input) !== host) {
    throw new WebhookUrlRefused(`non-canonical IPv4 address form ${rawHost(input)} (= ${host})`);
  }
  const literal = ipaddr.isValid(host) && (host.includes(':') || ipaddr.IPv4.isValidFourPartDecimal(host));
  return { url, host, ...(literal ? { literal: host } : {}) };
}

/**
 * Vets every resolved address (one bad record refuses the URL: mixed answers are a rebinding trick)
 * and returns the one to connect to. Plain http additionally needs every address to be loopback.
 */
export function vetAddresses(checked: CheckedUrl, addresses: string[], stage: Stage): string {
  if (addresses.length === 0) throw new WebhookUrlRefused(`${checked.host} resolved to no address`);
  for (const address of addresses) {
    const refusal = addressRefusal(address, stage);
    if (refusal) throw new WebhookUrlRefused(`${checked.host} resolves to a forbidden ${refusal}`);
  }
  if (checked.url.protocol === 'http:' && !addresses.every(isLoopback)) {
    throw new WebhookUrlRefused('http is allowed only to localhost in the local stage');
  }
  return addresses[0] as string;
}
