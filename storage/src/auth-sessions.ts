import type { KeyKind } from './keys.js';
import { rawSql, type Store } from './store.js';

/*
 * Dashboard sign-ins (`auth_sessions`, migration 0003): the cookie holds an opaque token, this
 * table its hash. A sign-out is a new row with `revoked = 1` and a higher version (FINAL picks it).
 * Hashing and caching are the API's business (ingest-api/src/auth.ts); this module only stores.
 */

/** A live sign-in joined with the admin key it was made with. */
export interface AuthSessionKey {
  token_hash: string;
  key_id: string;
  project_id: string;
  kind: KeyKind;
  prefix: string;
}

/** Epoch milliseconds → a DateTime64(3) literal ClickHouse parses in any input mode. */
const chTime = (d: Date): string => d.toISOString().replace('T', ' ').replace('Z', '');

export async function createAuthSession(
  store: Store,
  s: { tokenHash: string; projectId: string; keyId: string; expiresAt: Date },
): Promise<void> {
  await rawSql(store).insertRows('auth_sessions', [
    {
      token_hash: s.tokenHash,
      project_id: s.projectId,
      key_id: s.keyId,
      expires_at: chTime(s.expiresAt),
      revoked: 0,
      version: Date.now(),
    },
  ]);
}

/** The sign-in of that token hash, while it and its key are both valid; undefined otherwise. */
export async function findAuthSession(store: Store, tokenHash: string): Promise<AuthSessionKey | undefined> {
  const rows = await rawSql(store).query<AuthSessionKey>(
    `SELECT s.token_hash AS token_hash, k.key_id AS key_id, k.project_id AS project_id, k.kind AS kind, k.prefix AS prefix
     FROM (SELECT token_hash, key_id, project_id FROM auth_sessions FINAL
           WHERE token_hash = {h:String} AND revoked = 0 AND expires_at > now64(3)) AS s
     INNER JOIN (SELECT key_id, project_id, kind, prefix FROM api_keys FINAL WHERE revoked = 0) AS k
       ON k.key_id = s.key_id AND k.project_id = s.project_id
     LIMIT 1`,
    { h: tokenHash },
  );
  return rows[0];
}

/** Ends a sign-in (a no-op for an unknown token). */
export async function revokeAuthSession(store: Store, tokenHash: string): Promise<void> {
  const rows = await rawSql(store).query<Record<string, unknown>>(
    `SELECT token_hash, project_id, key_id, toString(created_at) AS created_at, toString(expires_at) AS expires_at, version
     FROM auth_sessions FINAL WHERE token_hash = {h:String} LIMIT 1`,
    { h: tokenHash },
  );
  const row = rows[0];
  if (row) await rawSql(store).insertRows('auth_sessions', [{ ...row, revoked: 1, version: Number(row.version) + 1 }]);
}
