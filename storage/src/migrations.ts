import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CairnError } from '@cairn/schemas';
import type { ClickHouseClient } from '@clickhouse/client';
import { clusterMigrations, migrationsTableDdl } from './cluster.js';

/** Numbered SQL files beside `src/` (`0001_name.sql`), applied in order and recorded. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));

export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_.+\.sql$/.test(f))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 4)),
      name: file.replace(/\.sql$/, ''),
      statements: splitStatements(readFileSync(dir + file, 'utf8')),
    }));
}

/** Splits a file on `;` at the end of a line; comments are dropped. No statement of ours embeds `;\n`. */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((s) =>
      s
        .split('\n')
        .filter((line) => !line.trim().startsWith('--'))
        .join('\n')
        .trim(),
    )
    .filter((s) => s.length > 0);
}

export interface MigrateOptions {
  /** Server mode on a cluster: the migrations are rewritten by `clusterMigrations` and run ON CLUSTER. */
  cluster?: string | undefined;
}

async function recordedVersions(client: ClickHouseClient): Promise<Set<number>> {
  const rs = await client.query({ query: 'SELECT DISTINCT version FROM cairn_migrations', format: 'JSONEachRow' });
  return new Set((await rs.json<{ version: number }>()).map((r) => Number(r.version)));
}

/**
 * Applies the migrations not yet recorded; safe to run from several processes at once. The
 * protocol needs no lock: every statement is idempotent (`IF NOT EXISTS`, and ClickHouse runs
 * two concurrent `CREATE … IF NOT EXISTS` of one name as one create and one no-op; a backfill
 * `INSERT … SELECT` must write rows that merge to the same result when written twice), so two
 * migrators may both run a file; before recording it each re-checks the record and writes it
 * only if nobody did, and readers take `DISTINCT version` for the race that remains. A crash
 * between a statement and its record is repaired by running the file again. `cairn migrate` is the one way to run it in a deployment.
 */
export async function migrate(
  client: ClickHouseClient,
  migrations: Migration[] = loadMigrations(),
  opts: MigrateOptions = {},
): Promise<number[]> {
  const list = opts.cluster ? clusterMigrations(migrations, opts.cluster) : migrations;
  await client.command({ query: migrationsTableDdl(opts.cluster) });
  const done = await recordedVersions(client);
  const applied: number[] = [];
  for (const m of list) {
    if (done.has(m.version)) continue;
    for (const statement of m.statements) {
      try {
        await client.command({ query: statement });
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        throw new CairnError('CAIRN_MIGRATION_FAILED', `migration ${m.name} failed: ${msg}`, { cause: err });
      }
    }
    if ((await recordedVersions(client)).has(m.version)) continue; // another migrator finished it first
    await client.insert({
      table: 'cairn_migrations',
      values: [{ version: m.version, name: m.name }],
      format: 'JSONEachRow',
      // No per-insert settings here: on chDB the client turns them into session `SET`s that stay
      // on the write connection (a dedup token here made every later token-less span insert a
      // duplicate). Two records of one version are harmless: readers take DISTINCT.
    });
    applied.push(m.version);
  }
  return applied;
}

/** Migrations not yet recorded as applied (all of them on an empty database). */
export async function pendingMigrations(
  client: ClickHouseClient,
  migrations: Migration[] = loadMigrations(),
): Promise<Migration[]> {
  const rs = await client.query({
    query: "SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = 'cairn_migrations'",
    format: 'JSONEachRow',
  });
  const [t] = await rs.json<{ n: number | string }>();
  if (Number(t?.n ?? 0) === 0) return migrations;
  const done = await client.query({ query: 'SELECT DISTINCT version FROM cairn_migrations', format: 'JSONEachRow' });
  const versions = new Set((await done.json<{ version: number }>()).map((r) => Number(r.version)));
  return migrations.filter((m) => !versions.has(m.version));
}

/** Applies `CAIRN_RETENTION_DAYS` as a TTL on raw spans (rollups are small and kept). */
export async function applyRetention(
  client: ClickHouseClient,
  retentionDays: number | undefined,
  cluster?: string | undefined,
): Promise<void> {
  // On a cluster the TTL is storage: it belongs to the local tables, not the Distributed one.
  const table = cluster ? `spans_local ON CLUSTER ${cluster}` : 'spans';
  if (retentionDays === undefined) {
    await client.command({ query: `ALTER TABLE ${table} REMOVE TTL` }).catch(() => undefined);
    return;
  }
  const days = Math.floor(retentionDays);
  await client.command({ query: `ALTER TABLE ${table} MODIFY TTL toDateTime(start_time) + INTERVAL ${days} DAY` });
}
