import { rawSql } from '../src/testing.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import {
  clusterMigrations,
  loadMigrations,
  MIGRATIONS_DIR,
  openStore,
  parseCreateTable,
  type Migration,
  type Store,
} from '../src/index.js';
import { tempDataDir } from '@cairn/testkit';

// Without a cluster to run it on, the clustered schema is checked three ways: it is complete
// (every single-node table has a replicated local table with the same columns and a Distributed
// table over it), every statement of both sets is ClickHouse SQL (ClickHouse's own parser, via
// formatQuery in embedded chDB), and the single-node form runs.
const CLUSTER = 'cairn_cluster';
const tmp = tempDataDir('cairn-cluster-');
let store: Store;
const single: Migration[] = loadMigrations();
const clustered: Migration[] = clusterMigrations(single, CLUSTER);

beforeAll(async () => {
  store = await openStore({ dataDir: tmp.dir }); // runs every single-node migration
});
afterAll(async () => {
  await store.close();
  tmp.cleanup();
});

async function format(sql: string): Promise<string> {
  const [r] = await rawSql(store).query<{ f: string }>('SELECT formatQuery({q:String}) AS f', { q: sql });
  return r!.f;
}

/** The column block of a CREATE TABLE, as ClickHouse prints it (so spacing and comments do not matter). */
async function columnsOf(sql: string): Promise<string> {
  const t = parseCreateTable(await format(sql));
  if (!t) throw new Error(`not a CREATE TABLE: ${sql.slice(0, 60)}`);
  return t.columns.trim();
}

const creates = (ms: Migration[]): Map<string, string> =>
  new Map(
    ms
      .flatMap((m) => m.statements)
      .flatMap((s) => {
        const name = /^CREATE TABLE (?:IF NOT EXISTS )?(\w+)/.exec(s)?.[1];
        return name ? [[name, s] as [string, string]] : [];
      }),
  );

describe('the clustered migration set', () => {
  it('covers every migration file, the newest included, with the same versions and names', () => {
    const files = readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{4}_.+\.sql$/.test(f));
    expect(single.map((m) => `${m.name}.sql`)).toEqual(files.sort());
    expect(clustered.map((m) => [m.version, m.name])).toEqual(single.map((m) => [m.version, m.name]));
    // Every DDL runs ON CLUSTER; a backfill (INSERT, which has no ON CLUSTER) is checked below.
    for (const m of clustered) {
      for (const s of m.statements) {
        if (!s.startsWith('INSERT INTO ')) expect(s, m.name).toMatch(new RegExp(`\\bON CLUSTER ${CLUSTER}\\b`));
      }
    }
  });

  it('runs a backfill once, through the Distributed tables, so each session lands on its own shard', () => {
    const one = single.flatMap((m) => m.statements).filter((s) => s.startsWith('INSERT INTO '));
    const many = clustered.flatMap((m) => m.statements).filter((s) => s.startsWith('INSERT INTO '));
    expect(one.length).toBeGreaterThan(0); // 0008 backfills session_titles
    expect(many).toEqual(one);
    const dist = creates(clustered);
    for (const s of many) {
      const names = [/^INSERT INTO (\w+)/.exec(s)![1]!, ...[...s.matchAll(/\bFROM\s+(\w+)/g)].map((r) => r[1]!)];
      for (const n of names) {
        expect(n, s.slice(0, 60)).not.toMatch(/_local$/);
        expect(dist.get(n), n).toMatch(/ENGINE = Distributed\(/);
      }
    }
    const ddl = (s: string): Migration[] => [
      {
        version: 1,
        name: '0001_x',
        statements: [
          'CREATE TABLE t (project_id String, session_id String) ENGINE = MergeTree ORDER BY (project_id, session_id)',
          s,
        ],
      },
    ];
    expect(() => clusterMigrations(ddl('INSERT INTO t SELECT * FROM nowhere'), CLUSTER)).toThrow(/unknown table nowhere/);
  });

  it('gives every table a Replicated local table with the same columns and a Distributed table over it', async () => {
    const one = creates(single);
    const many = creates(clustered);
    expect(one.size).toBeGreaterThan(10);
    for (const [name, sql] of one) {
      const local = many.get(`${name}_local`);
      const dist = many.get(name);
      expect(local, `${name}_local`).toBeDefined();
      expect(dist, name).toBeDefined();
      const l = parseCreateTable(local!)!;
      expect(l.engine, name).toMatch(/^Replicated\w*MergeTree$/);
      expect(l.engine.replace(/^Replicated/, ''), name).toBe(parseCreateTable(sql)!.engine);
      expect(l.engineArgs, name).toContain(`'/clickhouse/tables/{shard}/{database}/${name}_local', '{replica}'`);
      expect(await columnsOf(local!), name).toBe(await columnsOf(sql));
      expect(dist, name).toMatch(
        new RegExp(`AS ${name}_local\\s+ENGINE = Distributed\\(${CLUSTER}, currentDatabase\\(\\), ${name}_local, `),
      );
    }
    expect(many.size).toBe(one.size * 2);
  });

  it('shards spans and the session rollup by (project, session), so a session and its rollup rows share a shard', () => {
    const many = creates(clustered);
    for (const t of ['spans', 'sessions_rollup', 'scores', 'session_titles']) {
      expect(many.get(t), t).toMatch(/cityHash64\(project_id, session_id\)\)$/);
    }
    // Materialized views aggregate each shard's own spans into its own part of the rollup.
    const views = clustered.flatMap((m) => m.statements).filter((s) => s.startsWith('CREATE MATERIALIZED VIEW'));
    expect(views.length).toBeGreaterThan(0);
    for (const v of views) {
      expect(v).toMatch(/ TO \w+_local AS/);
      expect(v).toMatch(/\bFROM spans_local\b/);
      expect(v).not.toMatch(/\bFROM spans\b(?!_local)/);
    }
    // Column changes reach both tables; storage-only changes only the local one.
    const alters = clustered.flatMap((m) => m.statements).filter((s) => s.startsWith('ALTER TABLE'));
    expect(alters.some((a) => a.startsWith('ALTER TABLE spans_local ON CLUSTER'))).toBe(true);
    expect(alters.some((a) => a.startsWith(`ALTER TABLE spans ON CLUSTER ${CLUSTER} ADD COLUMN`))).toBe(true);
  });

  it('parses every statement of both sets as ClickHouse SQL', async () => {
    const all = [...single, ...clustered].flatMap((m) => m.statements.map((s) => ({ m: m.name, s })));
    for (const { m, s } of all) {
      const f = await format(s).catch((err: unknown) => {
        throw new Error(`${m}: ${(err as Error).message}\n${s}`);
      });
      expect(f.length, m).toBeGreaterThan(0);
    }
  });

  it('runs the single-node form (the store opened above applied every file) and refuses a statement it cannot cluster', async () => {
    const [n] = await rawSql(store).query<{ n: number }>('SELECT count(DISTINCT version) AS n FROM cairn_migrations');
    expect(Number(n!.n)).toBe(single.length);
    for (const name of creates(single).keys()) {
      const [t] = await rawSql(store).query<{ n: number }>(
        'SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = {t:String}',
        { t: name },
      );
      expect(Number(t!.n), name).toBe(1);
    }
    expect(() =>
      clusterMigrations(
        [
          {
            version: 1,
            name: '0001_x',
            statements: ['CREATE DICTIONARY d (k UInt64) PRIMARY KEY k SOURCE(NULL()) LAYOUT(FLAT()) LIFETIME(0)'],
          },
        ],
        CLUSTER,
      ),
    ).toThrow(/no clustered form/);
  });
});
