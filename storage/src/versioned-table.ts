import { rawSql, type Store } from './store.js';

/**
 * Configuration kept as versioned rows in a ReplacingMergeTree(version) table ordered by
 * (project_id, <key>), with a `deleted` flag: budgets, webhooks, review queues, trust thresholds.
 * A change — a delete too — is a new row with a higher version; readers use FINAL, so the latest
 * row of a key is the one they see, and a deleted key is hidden. The table modules keep what is
 * theirs (the record's shape, ids, timestamps); this file keeps the statements they shared.
 */

let lastVersion = 0;
/**
 * Versions order the changes of one row: microseconds plus a random tail, so two writers never
 * (rarely) tie, and never below this process's previous version, so a later write of this process
 * wins even within one millisecond (a PATCH then a DELETE).
 */
export function nextVersion(): number {
  lastVersion = Math.max(lastVersion + 1, Date.now() * 1000 + Math.floor(Math.random() * 1000));
  return lastVersion;
}

/** A record as its next version: a new id when it has none, `created_at` kept (else now), `updated_at` now (ISO times). */
export function nextRecord<T extends { id?: string; created_at?: string }>(
  r: T,
  newId: () => string,
): T & { id: string; created_at: string; updated_at: string } {
  const now = Date.now();
  return {
    ...r,
    id: r.id ?? newId(),
    created_at: new Date(r.created_at ? Date.parse(r.created_at) : now).toISOString(),
    updated_at: new Date(now).toISOString(),
  };
}

export interface VersionedTableSpec<Row, Rec> {
  table: string;
  /** The id column; with project_id, the table's ORDER BY. */
  key: string;
  /** The SELECT list (times as `toString(…) AS …` when `fromRow` parses them). */
  columns: string;
  /** The list's order after project_id (default `created_at, <key>`). */
  order?: string;
  fromRow: (row: Row) => Rec;
  /** The record as inserted, without `deleted` and `version` (added here). */
  toRow: (rec: Rec) => object;
}

export interface VersionedTable<Rec> {
  /** Live rows of one project, or of every project when projectId is undefined (the engine). */
  list(store: Store, projectId?: string): Promise<Rec[]>;
  /** One live row of a project. */
  get(store: Store, projectId: string, id: string): Promise<Rec | undefined>;
  /** Rows by id in any project, deleted ones included and flagged (what outlives a change). */
  byIds(store: Store, ids: readonly string[]): Promise<{ record: Rec; deleted: boolean }[]>;
  /** Writes the record as a new version (`deleted` hides it from then on). */
  save(store: Store, rec: Rec, deleted?: boolean): Promise<void>;
  /** Hides the record: a new version of it flagged deleted. */
  delete(store: Store, rec: Rec): Promise<void>;
}

export function versionedTable<Row, Rec>(spec: VersionedTableSpec<Row, Rec>): VersionedTable<Rec> {
  const { table, key, columns, fromRow, toRow } = spec;
  const order = `project_id, ${spec.order ?? `created_at, ${key}`}`;
  const save = async (store: Store, rec: Rec, deleted = false): Promise<void> => {
    await rawSql(store).insertRows(table, [{ ...toRow(rec), deleted: deleted ? 1 : 0, version: nextVersion() }]);
  };
  return {
    async list(store, projectId) {
      const rows = await rawSql(store).query<Row>(
        `SELECT ${columns} FROM ${table} FINAL WHERE deleted = 0 ${projectId === undefined ? '' : 'AND project_id = {p:String}'}
         ORDER BY ${order}`,
        projectId === undefined ? {} : { p: projectId },
      );
      return rows.map(fromRow);
    },
    async get(store, projectId, id) {
      const rows = await rawSql(store).query<Row>(
        `SELECT ${columns} FROM ${table} FINAL WHERE project_id = {p:String} AND ${key} = {id:String} AND deleted = 0 LIMIT 1`,
        { p: projectId, id },
      );
      return rows[0] === undefined ? undefined : fromRow(rows[0]);
    },
    async byIds(store, ids) {
      if (ids.length === 0) return [];
      const rows = await rawSql(store).query<Row & { deleted: number }>(
        `SELECT ${columns}, deleted FROM ${table} FINAL WHERE ${key} IN {ids:Array(String)}`,
        { ids: [...new Set(ids)] },
      );
      return rows.map((r) => ({ record: fromRow(r), deleted: Number(r.deleted) === 1 }));
    },
    save,
    delete: (store, rec) => save(store, rec, true),
  };
}
