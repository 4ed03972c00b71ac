import { afterAll, describe, expect, it } from 'vitest';
import { isCairnError } from '@cairn/schemas';
import { loadMigrations, migrate, openConnections, openStore, pendingMigrations, type Connections } from '../src/index.js';
import { tempDataDir, testStoreConfig } from '@cairn/testkit';

// Several processes may start at once and each migrate (or a deployment runs `cairn migrate`
// while roles start): the protocol must end with every migration applied once, no migrator
// failing, and nothing left pending. Embedded chDB allows one process per directory, so the
// migrators here are concurrent clients of one process; with CLICKHOUSE_URL they hit the server.
const tmp = tempDataDir('cairn-migrate-');
const open: Connections[] = [];
afterAll(async () => {
  for (const c of open) await c.close();
  tmp.cleanup();
});

const config = testStoreConfig(tmp.dir);
if (config.clickhouseUrl) config.clickhouseDatabase = `cairn_migrate_${Date.now().toString(36)}`;

const tablesOf = (sql: string[]): string[] =>
  sql.flatMap((s) => /^CREATE (?:TABLE|MATERIALIZED VIEW) IF NOT EXISTS (\w+)/.exec(s)?.[1] ?? []);

describe('migrations run by several migrators at once', () => {
  it('apply every migration, fail none, leave nothing pending, and apply nothing when run again', async () => {
    if (config.clickhouseUrl) await openStore(config, { migrate: true }).then((s) => s.close()); // creates the database
    const conns = await Promise.all(Array.from({ length: 4 }, () => openConnections(config)));
    open.push(...conns);
    const migrations = loadMigrations();
    const results = await Promise.allSettled(conns.map((c) => migrate(c.write, migrations)));
    expect(results.map((r) => r.status)).toEqual(Array(4).fill('fulfilled'));
    // Every version was applied by one migrator at least; the others found it done or re-ran its idempotent statements.
    const applied = new Set(results.flatMap((r) => (r.status === 'fulfilled' ? r.value : [])));
    if (!config.clickhouseUrl) expect([...applied].sort()).toEqual(migrations.map((m) => m.version));

    const [w] = conns;
    expect(await pendingMigrations(w!.write, migrations)).toEqual([]);
    const rs = await w!.read.query({
      query: 'SELECT name FROM system.tables WHERE database = currentDatabase()',
      format: 'JSONEachRow',
    });
    const present = new Set((await rs.json<{ name: string }>()).map((r) => r.name));
    for (const t of tablesOf(migrations.flatMap((m) => m.statements))) expect(present.has(t), t).toBe(true);
    const versions = await w!.read.query({
      query: 'SELECT DISTINCT version FROM cairn_migrations ORDER BY version',
      format: 'JSONEachRow',
    });
    expect((await versions.json<{ version: number }>()).map((r) => Number(r.version))).toEqual(migrations.map((m) => m.version));

    expect(await Promise.all(conns.map((c) => migrate(c.write, migrations)))).toEqual(Array(4).fill([]));
  });

  it('leaves a failed migration unrecorded, so the next run repairs it; CAIRN_MIGRATE=0 refuses while it is pending', async () => {
    const [c] = open;
    const broken = {
      version: 9001,
      name: '9001_test_broken',
      statements: ['CREATE TABLE IF NOT EXISTS mig_probe (x UInt8) ENGINE = MergeTree ORDER BY x', 'SELECT nonsense('],
    };
    const err = await migrate(c!.write, [broken]).catch((e: unknown) => e);
    expect(isCairnError(err) && err.code).toBe('CAIRN_MIGRATION_FAILED');
    expect((await pendingMigrations(c!.write, [broken])).map((m) => m.version)).toEqual([9001]);
    const fixed = { ...broken, statements: [broken.statements[0]!] };
    // The first statement ran already: running it again is a no-op, then the file is recorded.
    expect(await migrate(c!.write, [fixed])).toEqual([9001]);
    expect(await pendingMigrations(c!.write, [fixed])).toEqual([]);
  });
});
