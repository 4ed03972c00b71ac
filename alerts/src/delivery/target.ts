import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { CairnError } from '@cairn/schemas';

/**
 * Whether an address may be a webhook target without CAIRN_WEBHOOK_ALLOW_PRIVATE=1. Ranges come
 * from ipaddr.js (maintained against the IANA special-purpose registries) rather than a list of
 * our own: only plain global unicast is a target. IPv6 forms that carry an IPv4 address
 * (IPv4-mapped, SIIT, NAT64, 6to4, Teredo) are judged by the IPv4 address they lead to, since
 * the kernel or a translator on the path may deliver them there.
 */
export function isPrivateAddress(addr: string): boolean {
  const canonical = withHexTail(addr);
  if (!ipaddr.isValid(canonical)) return true; // not an address at all: refuse rather than guess
  return !isPublic(ipaddr.parse(canonical));
}

/**
 * ipaddr.js reads `::a.b.c.d` as IPv4-mapped where the kernel (and URL parsing) read the
 * IPv4-compatible `::AABB:CCDD`: rewrite a dotted tail in hex first so both agree.
 */
function withHexTail(addr: string): string {
  const m = /^(.*:)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(addr);
  if (!m) return addr;
  const [a, b, c, d] = [m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number];
  if ([a, b, c, d].some((o) => o > 255)) return addr;
  return `${m[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

function isPublic(ip: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  if (ip.kind() === 'ipv4') return ip.range() === 'unicast';
  const v6 = ip as ipaddr.IPv6;
  const p = v6.parts;
  const v4 = (hi: number, lo: number): ipaddr.IPv4 => new ipaddr.IPv4([hi >> 8, hi & 255, lo >> 8, lo & 255]);
  const at = (i: number): number => p[i] ?? 0;
  switch (v6.range()) {
    case 'ipv4Mapped': // ::ffff:a.b.c.d
    case 'rfc6145': // ::ffff:0:a.b.c.d (SIIT)
      return isPublic(v4(at(6), at(7)));
    case 'rfc6052':
      // 64:ff9b::/96 is the well-known NAT64 prefix: the gateway connects to the embedded address.
      // 64:ff9b:1::/48 is for local use inside one network (RFC 8215): never a public target.
      return at(2) === 0 && at(3) === 0 && at(4) === 0 && at(5) === 0 && isPublic(v4(at(6), at(7)));
    case '6to4': // 2002:AABB:CCDD::/48 routes to a.b.c.d
      return isPublic(v4(at(1), at(2)));
    case 'teredo': // 2001:0:server:server:flags:port:~client:~client
      return isPublic(v4(at(2), at(3))) && isPublic(v4(~at(6) & 0xffff, ~at(7) & 0xffff));
    case 'unicast':
      // ipaddr.js names no range for the deprecated IPv4-compatible ::/96 (::a.b.c.d): refuse it whole.
      return !(at(0) === 0 && at(1) === 0 && at(2) === 0 && at(3) === 0 && at(4) === 0 && at(5) === 0);
    default:
      return false;
  }
}

/**
 * Names that mean this machine whatever DNS says (RFC 6761: `localhost` and every name under it),
 * with or without the trailing dot of a fully qualified name.
 */
export function isLocalhostName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.+$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
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
  if (isLocalhostName(host)) throw refused(host, host);
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
  if (bad !== undefined) throw refused(host, bad);
  return url;
}

function refused(host: string, address: string): CairnError {
  return new CairnError(
    'CAIRN_WEBHOOK_TARGET_REFUSED',
    `webhook target ${host} resolves to a private or loopback address (${address}); set CAIRN_WEBHOOK_ALLOW_PRIVATE=1 to allow it`,
  );
}
