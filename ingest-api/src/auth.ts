import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { CairnError } from '@cairn/schemas';
import {
  createAuthSession,
  createKeyResolver,
  findAuthSession,
  revokeAuthSession,
  SharedLookups,
  type KeyKind,
  type KeyResolver,
  type Store,
} from '@cairn/storage';

/** Who is calling: set on the request by the auth hook. */
export interface AuthContext {
  projectId: string;
  kind: KeyKind;
  keyId: string;
  keyPrefix: string;
  via: 'key' | 'cookie';
}

declare module 'fastify' {
  interface FastifyRequest {
    auth?: AuthContext;
  }
}

export const SESSION_COOKIE = 'cairn_session';

interface Cached<T> {
  value: T | undefined;
  expires: number;
}

const MAX_CACHE = 10_000;

/**
 * Resolves bearer keys and sign-in cookies to an {@link AuthContext}. Keys go through storage's
 * one cached resolver (`createKeyResolver`, shared with the collector when the CLI passes it in);
 * sign-ins are looked up by the SHA-256 of their token (`@cairn/storage` auth-sessions) and
 * cached for a few seconds here (unknown ones too, so a flood of bad cookies is not a flood of
 * queries). Caches are keyed by hash: the process never keeps a presented key or token.
 */
export class Authenticator {
  private readonly sessions = new Map<string, Cached<AuthContext>>();
  /** Sign-out and invalidate() reset it: lookups begun before them are not cached. */
  private readonly sessionLookups = new SharedLookups<AuthContext | undefined>();
  private readonly keys: KeyResolver;

  constructor(
    private readonly store: Store,
    private readonly ttlMs: number,
    readonly sessionTtlMs: number,
    keys?: KeyResolver,
  ) {
    this.keys = keys ?? createKeyResolver(store, ttlMs);
  }

  async resolveKey(key: string): Promise<AuthContext | undefined> {
    const record = await this.keys(key);
    return record && contextOf(record, 'key');
  }

  /** A sign-in cookie → the admin key's context, while the sign-in and the key are both valid. */
  async resolveSession(token: string): Promise<AuthContext | undefined> {
    if (token.length > 200) return undefined;
    const hash = hashToken(token);
    const hit = this.sessions.get(hash);
    if (hit && hit.expires > Date.now()) return hit.value;
    return this.lookupSession(hash);
  }

  /**
   * One statement per token at a time: a page load asks for the session check and its data in the
   * same instant, and both would miss the cache; the second waits for the first's answer instead of
   * queueing the same lookup behind it (chDB runs one statement at a time).
   */
  private lookupSession(hash: string): Promise<AuthContext | undefined> {
    return this.sessionLookups.run(
      hash,
      async () => {
        const row = await findAuthSession(this.store, hash);
        return row && sameHash(row.token_hash, hash) && row.kind === 'admin' ? contextOf(row, 'cookie') : undefined;
      },
      (value) => remember(this.sessions, hash, value, Date.now() + (value ? this.ttlMs : Math.min(this.ttlMs, 1000))),
    );
  }

  /** Starts a dashboard sign-in for an admin key; returns the cookie's token (stored hashed). */
  async createSession(ctx: AuthContext): Promise<{ token: string; expiresAt: Date }> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.sessionTtlMs);
    await createAuthSession(this.store, { tokenHash: hashToken(token), projectId: ctx.projectId, keyId: ctx.keyId, expiresAt });
    return { token, expiresAt };
  }

  async endSession(token: string): Promise<void> {
    const hash = hashToken(token);
    await revokeAuthSession(this.store, hash);
    this.sessionLookups.invalidate(hash);
    this.sessions.delete(hash);
  }

  /** Forgets cached results at once (after a revocation in this process). */
  invalidate(): void {
    this.keys.invalidate();
    this.sessionLookups.invalidate();
    this.sessions.clear();
  }

  /** The caller of a request: a bearer key first, else the sign-in cookie. */
  async identify(request: FastifyRequest): Promise<AuthContext | undefined> {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!m?.[1]) throw new CairnError('CAIRN_UNAUTHORIZED', 'the Authorization header must be "Bearer <key>"');
      return this.resolveKey(m[1]);
    }
    const token = request.cookies[SESSION_COOKIE];
    return token ? this.resolveSession(token) : undefined;
  }

  /**
   * An onRequest hook admitting only the given key kinds: 401 without a valid key, 403 for a
   * valid key of another kind. Runs before body parsing, so unauthenticated bodies are never read.
   */
  require(kinds: readonly KeyKind[]): onRequestAsyncHookHandler {
    return async (request: FastifyRequest, _reply: FastifyReply) => {
      const ctx = await this.identify(request);
      if (!ctx) {
        throw new CairnError('CAIRN_UNAUTHORIZED', 'missing, unknown or revoked key: send "Authorization: Bearer <key>"');
      }
      if (!kinds.includes(ctx.kind)) {
        throw new CairnError(
          'CAIRN_FORBIDDEN',
          ctx.kind === 'ingest'
            ? 'ingest keys can only send telemetry and call /api/guard and /api/escalations: use an admin key to read or configure'
            : `this route needs a ${kinds.join(' or ')} key`,
        );
      }
      request.auth = ctx;
    };
  }
}

/** The caller's context; routes behind `Authenticator.require` always have one. */
export function authOf(request: FastifyRequest): AuthContext {
  if (!request.auth) throw new CairnError('CAIRN_INTERNAL', 'route is missing its auth hook');
  return request.auth;
}

function contextOf(
  row: { project_id: string; kind: string; key_id: string; prefix: string },
  via: AuthContext['via'],
): AuthContext {
  return {
    projectId: row.project_id,
    kind: row.kind === 'admin' ? 'admin' : 'ingest',
    keyId: row.key_id,
    keyPrefix: row.prefix,
    via,
  };
}

function hashToken(token: string): string {
  return createHash('sha256').update('cairn-session:').update(token).digest('hex');
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

function remember<T>(cache: Map<string, Cached<T>>, key: string, value: T | undefined, expires: number): void {
  if (cache.size >= MAX_CACHE) cache.clear();
  cache.set(key, { value, expires });
}
