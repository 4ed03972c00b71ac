import { useAuth } from './auth';

/**
 * The collector's OTLP/HTTP base URL to hand out (snippets, copy buttons): the API reports it in
 * `GET /api/auth/me` (CAIRN_PUBLIC_OTLP_URL, else where the collector listens). Only an API too
 * old to report it falls back to this page's host on the default port.
 */
export function useOtlpEndpoint(): string {
  const { me } = useAuth();
  return me?.otlp_endpoint || `${window.location.protocol}//${window.location.hostname}:4318`;
}
