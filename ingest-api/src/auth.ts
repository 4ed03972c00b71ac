import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { CairnError } from '@cairn/schemas';
import { hashKey, keyKindOf, type KeyKind, type Store } from '@cairn/storage';

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

interface KeyRow {
  key_hash: string;
  key_id: string;
  project_id: string;
  kind: string;
  prefix: string;
}

interface Cached<T> {
  value: T | undefined;
  expires: number;
}

const MAX_CACHE = 10_000;

/**
 * Resolves bearer keys and sign-in cookies to an {@link AuthContext}. Keys are looked up by
 * their SHA-256 (stored hashed) and the stored hash is compared in constant time; results are
 * cached for a few seconds (unknown keys too, so a flood of bad keys is not a flood of queries).
 * Caches are keyed by hash: the process never keeps a presented key.
 */
export class Authenticator {
  private readonly keys = new Map<string, Cached<AuthContext>>();
  private readonly sessions = new Map<string, Cached<AuthContext>>();

  constructor(
    private readonly store: Store,
    private readonly ttlMs: number,
    readonly sessionTtlMs: number,
  ) {}

  async resolveKey(key: string): Promise<AuthContext | undefined> {
    if (key.length > 200 || !keyKindOf(key)) return undefined;
    const hash = hashKey(key);
    const now = Date.now();
    const hit = this.keys.get(hash);
    if (hit && hit.expires > now) return hit.value;
    const rows = await this.store.query<KeyRow>(
      `SELECT key_hash, key_id, project_id, kind, prefix FROM api_keys FINAL
       WHERE key_hash = {h:String} AND revoked = 0 LIMIT 1`,
      { h: hash },
    );
    const row = rows[0];
    const value = row && sameHash(row.key_hash, hash) ? contextOf(row, 'key') : undefined;
    remember(this.keys, hash, value, now + (value ? this.ttlMs : Math.min(this.ttlMs, 1000)));
    return value;
  }

  /** A sign-in cookie → the admin key's context, while the sign-in and the key are both valid. */
  async resolveSession(token: string): Promise<AuthContext | undefined> {
    if (token.length > 200) return undefined;
    const hash = hashToken(token);
    const now = Date.now();
    const hit = this.sessions.get(hash);
    if (hit && hit.expires > now) return hit.value;
    const rows = await this.store.query<KeyRow & { token_hash: string }>(
      `SELECT s.token_hash AS token_hash, k.key_hash AS key_hash, k.key_id AS key_id, k.project_id AS project_id,
              k.kind AS kind, k.prefix AS prefix
       FROM (SELECT token_hash, key_id, project_id FROM auth_sessions FINAL
             WHERE token_hash = {h:String} AND revoked = 0 AND expires_at > now64(3)) AS s
       INNER JOIN (SELECT key_hash, key_id, project_id, kind, prefix FROM api_keys FINAL WHERE revoked = 0) AS k
         ON k.key_id = s.key_id AND k.project_id = s.project_id
       LIMIT 1`,
      { h: hash },
    );
    const row = rows[0];
    const value = row && sameHash(row.token_hash, hash) && row.kind === 'admin' ? contextOf(row, 'cookie') : undefined;
    remember(this.sessions, hash, value, now + (value ? this.ttlMs : Math.min(this.ttlMs, 1000)));
    return value;
  }

  /** Starts a dashboard sign-in for an admin key; returns the cookie's token (stored hashed). */
  async createSession(ctx: AuthContext): Promise<{ token: string; expiresAt: Date }> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.sessionTtlMs);
    await this.store.insertRows('auth_sessions', [
      {
        token_hash: hashToken(token),
        project_id: ctx.projectId,
        key_id: ctx.keyId,
        expires_at: expiresAt.toISOString().replace('T', ' ').replace('Z', ''),
        revoked: 0,
        version: Date.now(),
      },
    ]);
    return { token, expiresAt };
  }

  async endSession(token: string): Promise<void> {
    const hash = hashToken(token);
    const rows = await this.store.query<Record<string, unknown>>(
      `SELECT token_hash, project_id, key_id, toString(created_at) AS created_at, toString(expires_at) AS expires_at, version
       FROM auth_sessions FINAL WHERE token_hash = {h:String} LIMIT 1`,
      { h: hash },
    );
    const row = rows[0];
    if (row) await this.store.insertRows('auth_sessions', [{ ...row, revoked: 1, version: Number(row.version) + 1 }]);
    this.sessions.delete(hash);
  }

  /** Forgets cached results at once (after a revocation in this process). */
  invalidate(): void {
    this.keys.clear();
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

function contextOf(row: KeyRow, via: AuthContext['via']): AuthContext {
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
