import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { rawSql, type Store } from './store.js';
import { nextVersion } from './versioned-table.js';
import { SharedLookups } from './shared-lookup.js';

export type KeyKind = 'ingest' | 'admin';

export const DEFAULT_PROJECT_ID = 'default';

export interface ApiKeyRecord {
  key_id: string;
  project_id: string;
  kind: KeyKind;
  prefix: string;
  name: string;
  created_at: string;
  revoked: number;
}

export interface CreatedKey extends ApiKeyRecord {
  /** The full key: shown once, never stored. */
  key: string;
}

const KIND_PREFIX: Record<KeyKind, string> = { ingest: 'cairn_ik_', admin: 'cairn_ak_' };

/** SHA-256 of the key. Keys are 190 random bits, so a fast hash is enough (no password stretching). */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function generateKey(kind: KeyKind): string {
  return KIND_PREFIX[kind] + randomBytes(24).toString('base64url');
}

/** The kind a key claims by its prefix, or undefined for something that is not a Cairn key. */
export function keyKindOf(key: string): KeyKind | undefined {
  if (key.startsWith(KIND_PREFIX.ingest)) return 'ingest';
  if (key.startsWith(KIND_PREFIX.admin)) return 'admin';
  return undefined;
}

export async function ensureProject(store: Store, projectId: string, name: string): Promise<boolean> {
  const rows = await rawSql(store).query<{ n: number }>(
    'SELECT count() AS n FROM projects FINAL WHERE project_id = {p:String} AND deleted = 0',
    { p: projectId },
  );
  if (Number(rows[0]?.n ?? 0) > 0) return false;
  await rawSql(store).insertRows('projects', [{ project_id: projectId, name, version: nextVersion() }]);
  return true;
}

export async function listProjects(store: Store): Promise<{ project_id: string; name: string }[]> {
  return rawSql(store).query('SELECT project_id, name FROM projects FINAL WHERE deleted = 0 ORDER BY project_id');
}

/** Stores the key hashed; `key` lets a deployment preset it (CAIRN_INGEST_KEY / CAIRN_ADMIN_KEY). */
export async function createKey(
  store: Store,
  input: { projectId: string; kind: KeyKind; name?: string; key?: string },
): Promise<CreatedKey> {
  const key = input.key ?? generateKey(input.kind);
  const record = {
    key_hash: hashKey(key),
    key_id: randomUUID(),
    project_id: input.projectId,
    kind: input.kind,
    prefix: key.slice(0, 14),
    name: input.name ?? '',
    revoked: 0,
    version: nextVersion(),
  };
  await rawSql(store).insertRows('api_keys', [record]);
  const { key_hash: _hash, version: _v, ...rest } = record;
  return { ...rest, key, created_at: new Date().toISOString() };
}

/** Looks a presented key up by its hash: no secret is ever compared byte by byte. */
export async function findKey(store: Store, key: string): Promise<ApiKeyRecord | undefined> {
  return findKeyByHash(store, hashKey(key));
}

async function findKeyByHash(store: Store, hash: string): Promise<ApiKeyRecord | undefined> {
  const rows = await rawSql(store).query<ApiKeyRecord>(
    `SELECT key_id, project_id, kind, prefix, name, toString(created_at) AS created_at, revoked
     FROM api_keys FINAL WHERE key_hash = {h:String} LIMIT 1`,
    { h: hash },
  );
  const row = rows[0];
  return row && Number(row.revoked) === 0 ? row : undefined;
}

/** A project's display name (its id when the project has none or is unknown). */
export async function getProjectName(store: Store, projectId: string): Promise<string> {
  const rows = await rawSql(store).query<{ name: string }>(
    'SELECT name FROM projects FINAL WHERE project_id = {p:String} AND deleted = 0 LIMIT 1',
    { p: projectId },
  );
  return rows[0]?.name ?? projectId;
}

export async function listKeys(store: Store, projectId: string): Promise<ApiKeyRecord[]> {
  return rawSql(store).query<ApiKeyRecord>(
    `SELECT key_id, project_id, kind, prefix, name, toString(created_at) AS created_at, revoked
     FROM api_keys FINAL WHERE project_id = {p:String} ORDER BY created_at`,
    { p: projectId },
  );
}

/** Revokes by id within a project; false when the project has no such key. */
export async function revokeKey(store: Store, projectId: string, keyId: string): Promise<boolean> {
  const rows = await rawSql(store).query<Record<string, unknown>>(
    `SELECT key_hash, key_id, project_id, kind, prefix, name, created_at FROM api_keys FINAL
     WHERE project_id = {p:String} AND key_id = {k:String} LIMIT 1`,
    { p: projectId, k: keyId },
  );
  const row = rows[0];
  if (!row) return false;
  await rawSql(store).insertRows('api_keys', [{ ...row, revoked: 1, version: nextVersion() }]);
  return true;
}

/** Whether the project has any key of that kind (first start creates them when none exist). */
export async function hasKeys(store: Store, projectId: string, kind: KeyKind): Promise<boolean> {
  const rows = await rawSql(store).query<{ n: number }>(
    'SELECT count() AS n FROM api_keys FINAL WHERE project_id = {p:String} AND kind = {k:String} AND revoked = 0',
    { p: projectId, k: kind },
  );
  return Number(rows[0]?.n ?? 0) > 0;
}

/** A cached key lookup (see {@link createKeyResolver}). */
export interface KeyResolver {
  (key: string): Promise<ApiKeyRecord | undefined>;
  /** Forgets every cached answer at once (after a revocation in this process). */
  invalidate(): void;
}

/**
 * A presented key → its record, cached for `ttlMs` so hot paths (every OTLP request, every API
 * call) do not query ClickHouse; a revocation takes effect within the TTL (plus one lookup), at
 * once in this process after `invalidate()`. The one resolver of the process: the collector and
 * the API share it. The cache is keyed by the key's hash, so the process never keeps a presented
 * key. Unknown keys are cached too (shorter), so a flood of bad keys cannot turn into a flood of
 * queries. A known key whose entry expired keeps answering from the cache while one background
 * lookup refreshes it, and concurrent misses share one lookup: otherwise every request arriving
 * in the expiry window waited for its own query, queued on the one read connection — a latency
 * spike every `ttlMs` at ingest rates.
 */
export function createKeyResolver(store: Store, ttlMs = 5000): KeyResolver {
  const cache = new Map<string, { record: ApiKeyRecord | undefined; expires: number }>();
  const lookups = new SharedLookups<ApiKeyRecord | undefined>();
  const lookup = (hash: string): Promise<ApiKeyRecord | undefined> =>
    lookups.run(
      hash,
      () => findKeyByHash(store, hash),
      (record) => {
        if (cache.size > 10_000) cache.clear();
        cache.set(hash, { record, expires: Date.now() + (record ? ttlMs : Math.min(ttlMs, 1000)) });
      },
    );
  const resolve = async (key: string): Promise<ApiKeyRecord | undefined> => {
    if (!keyKindOf(key) || key.length > 200) return undefined;
    const hash = hashKey(key);
    const hit = cache.get(hash);
    if (hit && hit.expires > Date.now()) return hit.record;
    if (hit?.record) {
      // A failed refresh keeps the stale entry; the next request after it tries again.
      lookup(hash).catch(() => undefined);
      return hit.record;
    }
    return lookup(hash);
  };
  return Object.assign(resolve, {
    invalidate(): void {
      lookups.invalidate();
      cache.clear();
    },
  });
}
