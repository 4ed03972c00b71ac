import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { CairnError } from '@cairn/schemas';

/**
 * Addresses a webhook may not reach without CAIRN_WEBHOOK_ALLOW_PRIVATE=1: loopback, private,
 * shared (CGNAT), link-local, unique-local, multicast, reserved and unspecified ranges.
 * IPv4-mapped and NAT64 IPv6 forms are unwrapped and checked as IPv4.
 */
const BLOCKED = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  BLOCKED.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['100::', 64],
] as const) {
  BLOCKED.addSubnet(net, bits, 'ipv6');
}

/** The IPv4 address an IPv6 address embeds (mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96), if any. */
function embeddedV4(addr: string): string | undefined {
  const lower = addr.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex?.[1] && hex[2]) {
    const hi = parseInt(hex[1], 16);
    const lo = parseInt(hex[2], 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return undefined;
}

/** Whether a literal IP address is private, loopback or otherwise not a public target. */
export function isPrivateAddress(addr: string): boolean {
  const family = isIP(addr);
  if (family === 4) return BLOCKED.check(addr, 'ipv4');
  if (family === 6) {
    const v4 = embeddedV4(addr);
    if (v4 !== undefined) return BLOCKED.check(v4, 'ipv4');
    return BLOCKED.check(addr, 'ipv6');
  }
  return true; // not an address at all: refuse rather than guess
}

/** Parses and checks the form of a webhook URL (http or https, a host, no fragment games). */
export function parseWebhookUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CairnError('CAIRN_BAD_REQUEST', 'url must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CairnError('CAIRN_BAD_REQUEST', `url must use http or https, not ${url.protocol.replace(':', '')}`);
  }
  if (url.hostname === '') throw new CairnError('CAIRN_BAD_REQUEST', 'url must name a host');
  return url;
}

/** URL hostnames keep IPv6 literals in brackets. */
export function bareHost(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * Resolves the URL's host and refuses it when any address is private (DNS can answer several;
 * one private answer is enough to refuse). Hosts that do not resolve are let through here: the
 * check runs again, on the addresses actually connected to, at delivery time.
 */
export async function assertPublicTarget(raw: string, allowPrivate: boolean): Promise<URL> {
  const url = parseWebhookUrl(raw);
  if (allowPrivate) return url;
  const host = bareHost(url);
  let addresses: string[];
  if (isIP(host) !== 0) addresses = [host];
  else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
    } catch {
      return url;
    }
  }
  const bad = addresses.find(isPrivateAddress);
  if (bad !== undefined || host.toLowerCase() === 'localhost') {
    throw new CairnError(
      'CAIRN_WEBHOOK_TARGET_REFUSED',
      `webhook target ${host} resolves to a private or loopback address (${bad ?? host}); set CAIRN_WEBHOOK_ALLOW_PRIVATE=1 to allow it`,
    );
  }
  return url;
}
