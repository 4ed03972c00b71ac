import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { outsideAbortScope } from '@cairn/storage';
import type { Authenticator } from './auth.js';
import { SESSION_COOKIE } from './auth.js';
import type { ApiInstance } from './types.js';

/**
 * Answers started with the page. The dashboard's index.html asks, from an inline script, for the
 * session check and — on `/sessions/:id` — the replay's first page of steps, as soon as the browser
 * has parsed it. That is 100–250 ms after the browser asked for the page itself (on a loaded
 * machine: committing the navigation, parsing), time the server spends idle. So when index.html is
 * served for a client route to a browser holding a sign-in cookie, the server starts those very
 * requests at once, in-process (`app.inject`: the same hooks, auth, validation and serializer as
 * the browser's request), and the browser's own request takes the answer when it arrives.
 *
 * What keeps this equal to asking late:
 * - an answer goes only to a request with the same cookie token, the same URL, no Authorization
 *   header, and a sign-in that still resolves to the same key (the cookie check is a cache hit: the
 *   early request just looked it up; a sign-out in between empties that cache, so it looks again);
 * - each answer is handed out once, and only within `ttlMs` of being started; a later request (a
 *   reload, Retry) is served fresh;
 * - errors are answers too (a 401 for a stale cookie stays a 401), and an early request that
 *   fails in-process falls back to serving the browser's request normally.
 */

/** What index.html's inline script asks for on `pathname` (dashboard/index.html; a test runs both and compares). */
export function earlyPaths(pathname: string): string[] {
  const paths = ['/api/auth/me'];
  const m = /^\/sessions\/([^/]+)\/?$/.exec(pathname);
  if (m) {
    try {
      paths.push(`/api/sessions/${encodeURIComponent(decodeURIComponent(m[1]!))}?steps_limit=200`);
    } catch {
      // A malformed escape: the script skips it too (decodeURIComponent throws there as well).
    }
  }
  return paths;
}

/** Marks the in-process requests, so they are not answered from the table they fill. */
const EARLY_HEADER = 'x-cairn-early';
/** Headers of an answer that belong to its transport, not to it (the reply sets its own). */
const TRANSPORT_HEADERS = new Set(['content-length', 'date', 'connection', 'keep-alive', 'transfer-encoding']);

interface Started {
  expires: number;
  answer: Promise<Awaited<ReturnType<ApiInstance['inject']>> | undefined>;
}

export interface EarlyAnswersOptions {
  /** How long an answer waits for the browser's request (default 5 s). */
  ttlMs?: number;
  /** Answers kept at once (default 64): beyond it none are started, so a flood of page loads costs no more than its own requests. */
  max?: number;
}

export class EarlyAnswers {
  private readonly started = new Map<string, Started>();
  private readonly ttlMs: number;
  private readonly max: number;

  constructor(
    private readonly app: ApiInstance,
    private readonly auth: Authenticator,
    opts: EarlyAnswersOptions = {},
  ) {
    this.ttlMs = opts.ttlMs ?? 5000;
    this.max = opts.max ?? 64;
  }

  /** Called while index.html is served for `request`: starts what its inline script will ask for. */
  start(request: FastifyRequest): void {
    const token = request.cookies[SESSION_COOKIE];
    if (!token || request.headers.authorization !== undefined) return;
    const now = Date.now();
    for (const [k, s] of this.started) if (s.expires <= now) this.started.delete(k);
    const pathname = request.url.split('?')[0] ?? '';
    for (const url of earlyPaths(pathname)) {
      if (this.started.size >= this.max) return;
      // Not part of the page's request: the browser's own request takes it later.
      const answer = outsideAbortScope(() =>
        this.app.inject({ method: 'GET', url, headers: { cookie: request.headers.cookie ?? '', [EARLY_HEADER]: '1' } }),
      ).catch(() => undefined);
      this.started.set(keyOf(token, url), { expires: now + this.ttlMs, answer });
    }
  }

  /**
   * An onRequest hook: replies with the early answer of this request, if there is one for it;
   * otherwise the request goes on as usual.
   */
  readonly hook = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (this.started.size === 0 || request.method !== 'GET' || request.headers[EARLY_HEADER] !== undefined) return;
    const token = request.cookies[SESSION_COOKIE];
    if (!token || request.headers.authorization !== undefined) return;
    const key = keyOf(token, request.url);
    const s = this.started.get(key);
    if (!s) return;
    this.started.delete(key);
    if (s.expires <= Date.now()) return;
    const res = await s.answer;
    if (!res) return;
    // The sign-in must still hold: a sign-out since the early request empties the auth cache.
    if (res.statusCode < 400 && !(await this.auth.identify(request))) return;
    reply.code(res.statusCode);
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined && !TRANSPORT_HEADERS.has(name)) reply.header(name, value);
    }
    return reply.send(res.rawPayload);
  };
}

/** The table's key: the cookie token's hash (the process keeps no presented token) and the URL. */
function keyOf(token: string, url: string): string {
  return createHash('sha256').update(token).digest('hex') + ' ' + url;
}
