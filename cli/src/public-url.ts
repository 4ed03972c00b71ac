import { CairnError } from '@cairn/schemas';

/**
 * CAIRN_PUBLIC_OTLP_URL: the collector's address as users outside this machine reach it (a
 * proxy, a load balancer, a container's published port). The dashboard hands it out in its
 * snippets. Unset: the address the collector listens on.
 */
export function publicOtlpUrl(env: Record<string, string | undefined>): string | undefined {
  const raw = env.CAIRN_PUBLIC_OTLP_URL;
  if (raw === undefined || raw.trim() === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CairnError('CAIRN_CONFIG_INVALID', `CAIRN_PUBLIC_OTLP_URL must be an http(s) URL, got "${raw}"`);
  }
  // The base URL: exporters append /v1/traces themselves.
  return url
    .toString()
    .replace(/\/+$/, '')
    .replace(/\/v1\/traces$/, '');
}

/** `http://host:port` for a bind address and port (IPv6 in brackets). */
export function otlpUrlFor(host: string, port: number): string {
  return `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
}
