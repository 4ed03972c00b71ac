import { randomUUID } from 'node:crypto';
import type { Score, ScoreBody } from '@cairn/schemas';
import { rawSql, type Store } from '../store.js';

export interface ScoreRow {
  session_id: string;
  span_id: string;
  score_id: string;
  name: string;
  data_type: Score['data_type'];
  value: number;
  string_value: string;
  comment: string;
  source: Score['source'];
  created_ms: number;
}

export function toScore(r: ScoreRow): Score {
  const value = r.data_type === 'categorical' ? r.string_value : r.data_type === 'boolean' ? r.value !== 0 : r.value;
  return {
    score_id: r.score_id,
    session_id: r.session_id,
    span_id: r.span_id === '' ? null : r.span_id,
    name: r.name,
    data_type: r.data_type,
    value,
    comment: r.comment,
    source: r.source,
    created_at: new Date(Number(r.created_ms)).toISOString(),
  };
}

export async function insertScore(store: Store, projectId: string, body: ScoreBody): Promise<Score> {
  const v = body.value;
  const dataType: Score['data_type'] = typeof v === 'boolean' ? 'boolean' : typeof v === 'number' ? 'numeric' : 'categorical';
  const now = Date.now();
  const row: ScoreRow = {
    session_id: body.session_id,
    span_id: body.span_id ?? '',
    score_id: randomUUID(),
    name: body.name,
    data_type: dataType,
    value: typeof v === 'boolean' ? (v ? 1 : 0) : typeof v === 'number' ? v : 0,
    string_value: typeof v === 'string' ? v : '',
    comment: body.comment ?? '',
    source: body.source ?? 'api',
    created_ms: now,
  };
  const { created_ms: _ms, ...columns } = row;
  await rawSql(store).insertRows('scores', [
    { project_id: projectId, ...columns, created_at: new Date(now).toISOString().replace('T', ' ').replace('Z', '') },
  ]);
  return toScore(row);
}

/**
 * The statement of `listScores` (parameters `p`, `ids`), also one part of the replay's head
 * statement (session-detail.ts). LIMIT 1 BY: a re-sent row that got past insert deduplication
 * stays until ReplacingMergeTree merges it.
 */
export const SCORES_SQL = `SELECT session_id, span_id, score_id, name, data_type, value, string_value, comment, source,
            toUnixTimestamp64Milli(created_at) AS created_ms
     FROM scores WHERE project_id = {p:String} AND session_id IN {ids:Array(String)}
     ORDER BY session_id, created_at, score_id
     LIMIT 1 BY session_id, score_id`;

/** Scores of some sessions, oldest first, grouped by session id. */
export async function listScores(store: Store, projectId: string, sessionIds: string[]): Promise<Map<string, Score[]>> {
  const out = new Map<string, Score[]>();
  if (sessionIds.length === 0) return out;
  const rows = await rawSql(store).query<ScoreRow>(SCORES_SQL, { p: projectId, ids: sessionIds });
  for (const r of rows) {
    let list = out.get(r.session_id);
    if (!list) out.set(r.session_id, (list = []));
    list.push(toScore(r));
  }
  return out;
}

/** Whether the project has the session (and, when given, that span in it). */
export async function sessionHasSpan(
  store: Store,
  projectId: string,
  sessionId: string,
  spanId: string | undefined,
): Promise<boolean> {
  const rows = await rawSql(store).query<{ n: number }>(
    spanId === undefined
      ? 'SELECT count() AS n FROM sessions_rollup WHERE project_id = {p:String} AND session_id = {id:String}'
      : 'SELECT count() AS n FROM spans WHERE project_id = {p:String} AND session_id = {id:String} AND span_id = {sid:String}',
    { p: projectId, id: sessionId, ...(spanId === undefined ? {} : { sid: spanId }) },
  );
  return Number(rows[0]?.n ?? 0) > 0;
}
