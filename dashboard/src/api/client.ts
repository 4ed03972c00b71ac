import type { ErrorCode } from '@cairn/schemas/conventions';

/** A route this server does not have, told apart from a missing record by its code alone. */
const ROUTE_NOT_FOUND: ErrorCode = 'CAIRN_ROUTE_NOT_FOUND';

/**
 * The one place the dashboard talks HTTP. Same-origin requests carry the httpOnly sign-in
 * cookie; the admin key itself is only ever sent once, in the body of POST /api/auth/login.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
  /** The route does not exist on this server (a feature not shipped yet), not a missing record. */
  get unavailable(): boolean {
    return this.code === ROUTE_NOT_FOUND;
  }
}

type Query = Record<string, string | number | boolean | readonly string[] | undefined | null>;

export function qs(query: Query): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) for (const item of v) p.append(k, String(item));
    else p.append(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** Listeners told when any call answers 401: the app sends the user back to sign-in. */
const unauthorizedListeners = new Set<() => void>();
export function onUnauthorized(fn: () => void): () => void {
  unauthorizedListeners.add(fn);
  return () => unauthorizedListeners.delete(fn);
}

export interface ApiInit extends RequestInit {
  json?: unknown;
  signal?: AbortSignal;
  /** The response of this request, already on its way (see api/early.ts): read it instead of fetching. */
  started?: Promise<Response>;
}

export async function api<T>(path: string, init: ApiInit = {}): Promise<T> {
  const { json, started, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (json !== undefined) headers.set('content-type', 'application/json');
  let res: Response;
  try {
    res = await (started ??
      fetch(path, {
        credentials: 'same-origin',
        ...rest,
        headers,
        body: json !== undefined ? JSON.stringify(json) : rest.body,
      }));
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'CAIRN_NETWORK', `cannot reach the Cairn API (${(err as Error).message})`);
  }
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const e = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
    const err = new ApiError(res.status, e?.code ?? `HTTP_${res.status}`, e?.message ?? (text.slice(0, 200) || res.statusText));
    if (res.status === 401 && !path.startsWith('/api/auth/login')) for (const fn of unauthorizedListeners) fn();
    throw err;
  }
  return body as T;
}
