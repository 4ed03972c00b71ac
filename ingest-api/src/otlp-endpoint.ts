import type { FastifyRequest } from 'fastify';

/*
 * The collector's address as a user outside this machine should type it: the dashboard shows it
 * on the onboarding and Settings pages and copies it into snippets. The CLI passes the
 * configured public URL (CAIRN_PUBLIC_OTLP_URL, for deployments behind a proxy) or the address
 * the collector listens on. A wildcard bind address (0.0.0.0, ::) is no address to send to:
 * the host the browser used to reach this API is put in its place.
 */

const WILDCARD = /^(0\.0\.0\.0|\[::\]|\[::0\]|::)$/;
const DEFAULT_OTLP_PORT = 4318;

function hostOf(request: FastifyRequest): string {
  // request.host keeps the port; the collector has its own.
  const host = request.hostname;
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** The OTLP/HTTP base URL (no `/v1/traces`) to hand out to the caller of `request`. */
export function publicOtlpEndpoint(configured: string | undefined, request: FastifyRequest): string {
  if (configured === undefined || configured === '') {
    return `${request.protocol}://${hostOf(request)}:${DEFAULT_OTLP_PORT}`;
  }
  let url: URL;
  try {
    url = new URL(configured);
  } catch {
    return configured;
  }
  if (WILDCARD.test(url.hostname)) url.hostname = hostOf(request);
  return url.toString().replace(/\/+$/, '');
}
