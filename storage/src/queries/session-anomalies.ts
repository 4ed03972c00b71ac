import { ANOMALY_TYPES, type AnomalyType } from '@cairn/schemas';
import { rawSql, type Store } from '../store.js';

const KNOWN = new Set<string>(ANOMALY_TYPES);

/**
 * The detector types that flagged each of `ids` (distinct, sorted), from `session_anomalies`
 * (written by the alert engine, storage/migrations/0004). Reads the given sessions only — a
 * page or one session, never the whole project — by the table's key prefix (project, session).
 * Sessions without a flag are absent from the map.
 */
export async function anomaliesOf(store: Store, projectId: string, ids: readonly string[]): Promise<Map<string, AnomalyType[]>> {
  if (ids.length === 0) return new Map();
  return anomalyMap(await rawSql(store).query<AnomalyRow>(ANOMALIES_SQL, { p: projectId, ids: [...ids] }));
}

/** Rows of `ANOMALIES_SQL` by session id, unknown types left out (`knownTypes`). */
export function anomalyMap(rows: readonly AnomalyRow[]): Map<string, AnomalyType[]> {
  return new Map(rows.map((r) => [r.session_id, knownTypes(r.types)]));
}

export interface AnomalyRow {
  session_id: string;
  types: string[];
}

/**
 * The statement of `anomaliesOf` (parameters `p`, `ids`), also one part of the replay's head
 * statement (session-detail.ts). groupUniqArray: the table is a ReplacingMergeTree, so two
 * engines flagging the same session leave duplicate rows until a merge.
 */
export const ANOMALIES_SQL = `SELECT session_id, arraySort(groupUniqArray(toString(type))) AS types FROM session_anomalies
     WHERE project_id = {p:String} AND session_id IN {ids:Array(String)}
     GROUP BY session_id`;

/**
 * The enum is the contract: a type written by a newer engine sharing the store is left out
 * rather than sent to clients that cannot name it.
 */
export function knownTypes(types: readonly string[]): AnomalyType[] {
  return types.filter((t): t is AnomalyType => KNOWN.has(t));
}
