import { CairnError } from '@cairn/schemas';
import type { Migration } from './migrations.js';

/**
 * The clustered schema, derived from the single-node migration files so there is one schema to
 * write and review. For every table `t` of the single-node set a cluster gets:
 *
 * - `t_local ON CLUSTER`: the same columns, `Replicated<Engine>` with a per-shard Keeper path;
 *   replicated tables deduplicate inserts by block (or by `insert_deduplication_token`), which
 *   keeps the spool's replay exactly-once as it is on a single node.
 * - `t ON CLUSTER AS t_local ENGINE = Distributed(...)`: what every query and insert uses, so the
 *   SQL above this file is the same in every mode.
 *
 * Sharding: tables ordered by (project_id, session_id, …) are sharded by
 * `cityHash64(project_id, session_id)`, so every span of a session lives on one shard, and the
 * materialized views (which read `spans_local` and write `<rollup>_local` on each shard) put a
 * session's rollup rows there too. Other tables are sharded by the first column of their sorting
 * key, so every version of a ReplacingMergeTree row meets on one shard and `FINAL` stays correct
 * through the Distributed table. Rollups such as `cost_hourly` hold partial aggregates per shard;
 * their readers `GROUP BY` and `-Merge`, which the Distributed engine merges across shards.
 */

/** Settings a session needs on a cluster: synchronous distributed inserts (a 200 means stored), global subqueries. */
export const CLUSTER_SETTINGS = {
  insert_distributed_sync: 1,
  distributed_product_mode: 'global',
} as const;

/** The migrations record: replicated to every node of the cluster (no `{shard}` in its path). */
export function migrationsTableDdl(cluster: string | undefined): string {
  const columns = `(version UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))`;
  if (!cluster) return `CREATE TABLE IF NOT EXISTS cairn_migrations ${columns} ENGINE = MergeTree ORDER BY version`;
  return (
    `CREATE TABLE IF NOT EXISTS cairn_migrations ON CLUSTER ${cluster} ${columns} ` +
    `ENGINE = ReplicatedMergeTree('/clickhouse/tables/{database}/cairn_migrations', '{replica}') ORDER BY version`
  );
}

export interface ParsedTable {
  name: string;
  /** The column list as written, between the outer parentheses. */
  columns: string;
  engine: string;
  engineArgs: string | undefined;
  /** Everything after the engine: PARTITION BY, ORDER BY, TTL, SETTINGS. */
  rest: string;
}

const CREATE_TABLE = /^CREATE TABLE (IF NOT EXISTS )?(\w+)(?: ON CLUSTER [\w-]+)?\s*\(/i;
const CREATE_MV = /^CREATE MATERIALIZED VIEW (IF NOT EXISTS )?(\w+) TO (\w+)\s+AS\s/i;
const ALTER = /^ALTER TABLE (\w+) (.*)$/is;
const INSERT_SELECT = /^INSERT INTO (\w+)\s+SELECT\s/i;
/** ALTERs a Distributed table shares with its local table; anything else (TTL, indexes, settings) is storage, local only. */
const COLUMN_ACTION = /^(ADD|DROP|MODIFY|RENAME|COMMENT) COLUMN\b/i;

/** Splits `CREATE TABLE name (columns) ENGINE = X(args) rest` (parentheses balanced, quotes respected). */
export function parseCreateTable(sql: string): ParsedTable | undefined {
  const head = CREATE_TABLE.exec(sql);
  if (!head) return undefined;
  const open = head[0].length - 1;
  const close = matchingParen(sql, open);
  const columns = sql.slice(open + 1, close);
  const tail = sql.slice(close + 1).trim();
  const engine = /^ENGINE\s*=\s*(\w+)/i.exec(tail);
  if (!engine) throw new CairnError('CAIRN_INTERNAL', `cluster schema: no ENGINE in CREATE TABLE ${head[2]}`);
  let at = engine[0].length;
  let engineArgs: string | undefined;
  if (tail[at] === '(') {
    const end = matchingParen(tail, at);
    engineArgs = tail.slice(at + 1, end).trim();
    at = end + 1;
  }
  return { name: head[2]!, columns, engine: engine[1]!, engineArgs, rest: tail.slice(at).trim() };
}

function matchingParen(s: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < s.length; i++) {
    const ch = s[i]!;
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '`' || ch === '"') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i;
  }
  throw new CairnError('CAIRN_INTERNAL', `cluster schema: unbalanced parentheses in: ${s.slice(0, 80)}`);
}

/** The sharding expression of a table (see the file comment). */
export function shardingKey(t: ParsedTable): string {
  const order = /ORDER BY\s+(\([^)]*\)|[\w]+)/i.exec(t.rest)?.[1] ?? '';
  const keys = order
    .replace(/^\(|\)$/g, '')
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '' && k !== 'tuple');
  if (keys[0] === 'project_id' && keys[1] === 'session_id') return 'cityHash64(project_id, session_id)';
  if (keys[0] && /^\w+$/.test(keys[0])) return `cityHash64(${keys[0]})`;
  return 'rand()';
}

function localTable(t: ParsedTable, cluster: string): string {
  const path = `'/clickhouse/tables/{shard}/{database}/${t.name}_local', '{replica}'`;
  const args = t.engineArgs ? `${path}, ${t.engineArgs}` : path;
  const engine = t.engine.startsWith('Replicated') ? t.engine : `Replicated${t.engine}`;
  // Replicated tables keep their own (block or token) dedup window; the single-node setting does not apply.
  const rest = t.rest.replace(/\bnon_replicated_deduplication_window\b/g, 'replicated_deduplication_window');
  return `CREATE TABLE IF NOT EXISTS ${t.name}_local ON CLUSTER ${cluster}\n(${t.columns})\nENGINE = ${engine}(${args})\n${rest}`;
}

function distributedTable(t: ParsedTable, cluster: string): string {
  return (
    `CREATE TABLE IF NOT EXISTS ${t.name} ON CLUSTER ${cluster} AS ${t.name}_local\n` +
    `ENGINE = Distributed(${cluster}, currentDatabase(), ${t.name}_local, ${shardingKey(t)})`
  );
}

/**
 * The clustered form of every migration: same versions and names, statements rewritten. Tables
 * are collected across files in order, so a later file's ALTER or view finds an earlier table.
 * @throws CairnError `CAIRN_INTERNAL` for a statement form this file does not know: a new kind of
 *   migration must be taught here rather than silently run single-node on a cluster.
 */
export function clusterMigrations(migrations: readonly Migration[], cluster: string): Migration[] {
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(cluster)) throw new CairnError('CAIRN_CONFIG_INVALID', `bad cluster name "${cluster}"`);
  const tables = new Set<string>();
  return migrations.map((m) => ({
    version: m.version,
    name: m.name,
    statements: m.statements.flatMap((sql) => clusterStatements(sql, cluster, tables, m.name)),
  }));
}

function clusterStatements(sql: string, cluster: string, tables: Set<string>, file: string): string[] {
  const table = parseCreateTable(sql);
  if (table) {
    tables.add(table.name);
    return [localTable(table, cluster), distributedTable(table, cluster)];
  }
  const mv = CREATE_MV.exec(sql);
  if (mv) {
    const [, , name, target] = mv;
    if (!tables.has(target!)) throw new CairnError('CAIRN_INTERNAL', `${file}: view ${name} writes to unknown table ${target}`);
    // Each shard aggregates its own spans into its own part of the rollup.
    const body = sql
      .slice(mv[0].length)
      .replace(/\b(FROM|JOIN)\s+(\w+)\b/gi, (all, kw: string, t: string) => (tables.has(t) ? `${kw} ${t}_local` : all));
    return [`CREATE MATERIALIZED VIEW IF NOT EXISTS ${name} ON CLUSTER ${cluster} TO ${target}_local AS\n${body}`];
  }
  const alter = ALTER.exec(sql);
  if (alter) {
    const [, name, action] = alter;
    if (!tables.has(name!)) throw new CairnError('CAIRN_INTERNAL', `${file}: ALTER of unknown table ${name}`);
    // As in localTable: a replicated table's dedup window is replicated_deduplication_window.
    const localAction = action!.replace(/\bnon_replicated_deduplication_window\b/g, 'replicated_deduplication_window');
    const local = `ALTER TABLE ${name}_local ON CLUSTER ${cluster} ${localAction}`;
    return COLUMN_ACTION.test(action!.trim()) ? [local, `ALTER TABLE ${name} ON CLUSTER ${cluster} ${action}`] : [local];
  }
  const insert = INSERT_SELECT.exec(sql);
  if (insert) {
    // A backfill. INSERT has no ON CLUSTER: it runs once, from the node that migrates, through
    // the Distributed tables, which read every shard and send each row to the shard its sharding
    // key names (synchronously: CLUSTER_SETTINGS) — where the views put that session's rows.
    const read = [...sql.matchAll(/\b(?:FROM|JOIN)\s+(\w+)\b/gi)].map((r) => r[1]!);
    for (const t of [insert[1]!, ...read]) {
      if (!tables.has(t)) throw new CairnError('CAIRN_INTERNAL', `${file}: backfill uses unknown table ${t}`);
    }
    return [sql];
  }
  throw new CairnError('CAIRN_INTERNAL', `${file}: no clustered form for statement: ${sql.slice(0, 80)}`);
}
