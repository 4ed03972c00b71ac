import { CairnError, type AnomalyType, type SessionSort, type SessionStatus, type SessionSummary } from '@cairn/schemas';
import { rawSql, type Store } from '../store.js';
import { cursorString, decodeCursor, encodeCursor } from './cursor.js';
import { chTime, parseTime } from './time.js';
import { ANOMALIES_SQL, anomalyMap, type AnomalyRow } from './session-anomalies.js';
import { TITLES_SQL, titleMap, type TitleRow } from './session-titles.js';
import { queryParts } from './statement-parts.js';
import { SESSION_AGGREGATES, sessionAggregateColumns, type SessionAggregate } from './session-aggregate.js';

/** Filters of `GET /api/sessions` and of the JSONL export, as parsed from the query string. */
export interface SessionFilters {
  from?: string;
  to?: string;
  agent?: string[];
  workflow?: string[];
  user?: string[];
  status?: SessionStatus[];
  min_cost?: number;
  max_cost?: number;
  has_escalation?: boolean;
  has_error?: boolean;
  min_steps?: number;
  anomaly?: string[];
  q?: string;
}

export interface SessionPageRequest {
  projectId: string;
  filters: SessionFilters;
  sort: SessionSort;
  order: 'asc' | 'desc';
  limit: number;
  cursor?: string | undefined;
}

/** The summary's columns: every session aggregate, with the times as decimal strings too. */
const SUMMARY_COLUMNS = `session_id, ${sessionAggregateColumns()}, toString(s_start_ns) AS s_start, toString(s_end_ns) AS s_end`;

/**
 * Sort keys. Cost is rounded to 1e-9 USD so that a float sum computed over differently merged
 * parts (summation order changes the last bits) still lands on the same cursor boundary.
 */
const SORT_KEYS: Record<SessionSort, { expr: string; type: string }> = {
  recent: { expr: 's_start_ns', type: 'Int64' },
  cost: { expr: 'round(s_cost, 9)', type: 'Float64' },
  duration: { expr: '(s_end_ns - s_start_ns)', type: 'Int64' },
  steps: { expr: 's_steps', type: 'UInt64' },
};

export interface SummaryRow {
  session_id: string;
  s_agent: string;
  s_workflow: string;
  s_user: string;
  s_service: string;
  s_autonomy: string;
  s_start: string;
  s_end: string;
  s_status: SessionStatus;
  s_steps: number;
  s_llm_calls: number;
  s_tool_calls: number;
  s_input_tokens: number;
  s_output_tokens: number;
  s_cache_read_tokens: number;
  s_reasoning_tokens: number;
  s_cost: number;
  s_min_confidence: number | null;
  s_escalations: number;
  s_errors: number;
  s_limit_hits: number;
  s_snapshots: number;
}

export function toSummary(r: SummaryRow, anomalies: AnomalyType[] = [], title: string | null = null): SessionSummary {
  const start = BigInt(r.s_start);
  const end = BigInt(r.s_end);
  return {
    session_id: r.session_id,
    title,
    agent_name: r.s_agent,
    workflow: r.s_workflow,
    user_id: r.s_user,
    service_name: r.s_service,
    autonomy_level: r.s_autonomy,
    start_time: new Date(Number(start / 1_000_000n)).toISOString(),
    end_time: new Date(Number(end / 1_000_000n)).toISOString(),
    duration_ms: end > start ? Number(end - start) / 1e6 : 0,
    status: r.s_status,
    steps: Number(r.s_steps),
    llm_calls: Number(r.s_llm_calls),
    tool_calls: Number(r.s_tool_calls),
    input_tokens: Number(r.s_input_tokens),
    output_tokens: Number(r.s_output_tokens),
    cache_read_tokens: Number(r.s_cache_read_tokens),
    reasoning_tokens: Number(r.s_reasoning_tokens),
    total_tokens: Number(r.s_input_tokens) + Number(r.s_output_tokens),
    cost_usd: r.s_cost,
    min_confidence: r.s_min_confidence,
    escalations: Number(r.s_escalations),
    errors: Number(r.s_errors),
    limit_hits: Number(r.s_limit_hits),
    snapshots: Number(r.s_snapshots),
    anomalies,
  };
}

/**
 * Row conditions that some rollup row of every session passing a filter must meet: a session's
 * value is the min / max of its rows' partial values, so it is one of them. Ranking then
 * aggregates only the sessions with such a row (`session_id IN (…)`, a scan of one small column
 * without GROUP BY) instead of every session of the project; HAVING still decides. Only where
 * measured to pay at 100k sessions (CPU of the ranking, interleaved runs): `user` (1 session in
 * 2,000) −68 %, `from` = last 24 h of 30 days −41 %. `agent` (argMin state, 1 in 8) and filters
 * that keep most sessions gained nothing: the extra scan costs what the smaller GROUP BY saves.
 * One subquery per filter — rows meeting two filters may be different rows of the session.
 */
function prefilterRows(f: SessionFilters): string[] {
  const rows: string[] = [];
  if (f.user && f.user.length > 0) rows.push('user_id IN {user:Array(String)}');
  // min(start_time) >= from: every row of such a session starts at or after `from`.
  if (f.from !== undefined) rows.push("start_time >= toDateTime64({from:String}, 3, 'UTC')");
  return rows;
}

/** WHERE and HAVING clauses for the filters; values go in as query parameters, never as text. */
function filterClauses(f: SessionFilters, params: Record<string, unknown>): { where: string[]; having: string[] } {
  const where: string[] = prefilterRows(f).map(
    (cond) => `session_id IN (SELECT session_id FROM sessions_rollup WHERE project_id = {p:String} AND ${cond})`,
  );
  const having: string[] = [];
  if (f.q !== undefined) {
    where.push('positionCaseInsensitiveUTF8(session_id, {q:String}) > 0');
    params.q = f.q;
  }
  if (f.anomaly !== undefined && f.anomaly.length > 0) {
    // Flags written by the alert engine's detectors (storage/migrations/0004).
    const typed = !f.anomaly.includes('any');
    where.push(
      `session_id IN (SELECT session_id FROM session_anomalies WHERE project_id = {p:String}${typed ? ' AND type IN {anomaly:Array(String)}' : ''})`,
    );
    if (typed) params.anomaly = f.anomaly;
  }
  const from = f.from !== undefined ? parseTime(f.from, 'from') : undefined;
  const to = f.to !== undefined ? parseTime(f.to, 'to') : undefined;
  if (from !== undefined && to !== undefined && from >= to) {
    throw new CairnError('CAIRN_BAD_REQUEST', '`from` must be before `to`');
  }
  if (from !== undefined) {
    having.push("min(start_time) >= toDateTime64({from:String}, 3, 'UTC')");
    params.from = chTime(from);
  }
  if (to !== undefined) {
    having.push("min(start_time) < toDateTime64({to:String}, 3, 'UTC')");
    params.to = chTime(to);
  }
  const lists: [keyof SessionFilters, string][] = [
    ['agent', 's_agent'],
    ['workflow', 's_workflow'],
    ['user', 's_user'],
    ['status', 's_status'],
  ];
  for (const [field, expr] of lists) {
    const values = f[field] as string[] | undefined;
    if (values && values.length > 0) {
      having.push(`${expr} IN {${field}:Array(String)}`);
      params[field] = values;
    }
  }
  if (f.min_cost !== undefined && f.max_cost !== undefined && f.min_cost > f.max_cost) {
    throw new CairnError('CAIRN_BAD_REQUEST', '`min_cost` must not exceed `max_cost`');
  }
  if (f.min_cost !== undefined) {
    having.push('s_cost >= {min_cost:Float64}');
    params.min_cost = f.min_cost;
  }
  if (f.max_cost !== undefined) {
    having.push('s_cost <= {max_cost:Float64}');
    params.max_cost = f.max_cost;
  }
  if (f.has_escalation !== undefined) having.push(f.has_escalation ? 's_escalations > 0' : 's_escalations = 0');
  if (f.has_error !== undefined) having.push(f.has_error ? 's_errors > 0' : 's_errors = 0');
  if (f.min_steps !== undefined) {
    having.push('s_steps >= {min_steps:UInt64}');
    params.min_steps = f.min_steps;
  }
  return { where, having };
}

const CURSOR_VALUE = /^-?[0-9][0-9.e+-]*$/i;

/**
 * The ranking's `GROUP BY session_id` stays a single-level hash table up to a million sessions.
 * ClickHouse converts to two-level at 100,000 keys by default: at 100k sessions that conversion
 * and the two-level merge were a quarter of the ranking (newest first 20.6 → 15.7 ms, medians of
 * 21, BENCHMARKS.md "the list's fixed costs"). Over a million keys (or 50 MB of state, ClickHouse's
 * byte threshold) it still goes two-level, where merging in parallel pays.
 */
const RANKING_SETTINGS = 'SETTINGS group_by_two_level_threshold = 1000000';

/** One page of sessions, served from the sessions rollup only. */
export async function listSessions(
  store: Store,
  req: SessionPageRequest,
): Promise<{ sessions: SessionSummary[]; next_cursor: string | null }> {
  const params: Record<string, unknown> = { p: req.projectId, n: req.limit + 1 };
  const { where, having } = filterClauses(req.filters, params);
  const key = SORT_KEYS[req.sort];
  const dir = req.order === 'asc' ? 'ASC' : 'DESC';
  const cursorKind = `sessions:${req.sort}:${req.order}`;
  if (req.cursor !== undefined) {
    const c = decodeCursor(cursorKind, req.cursor, 'cursor');
    params.cv = cursorString(c, 'v', 'cursor', CURSOR_VALUE);
    params.cid = cursorString(c, 'id', 'cursor');
    having.push(`(${key.expr}, session_id) ${req.order === 'asc' ? '>' : '<'} ({cv:${key.type}}, {cid:String})`);
  }
  // Phase 1 ranks sessions computing only the aggregates the filters and the sort need (over
  // 100k sessions the full summary of every group costs 4x more); phase 2 summarises the page.
  const needed = [having.join(' '), key.expr].join(' ');
  const columns = (Object.keys(SESSION_AGGREGATES) as SessionAggregate[])
    .filter((alias) => needed.includes(alias))
    .map((alias) => `${SESSION_AGGREGATES[alias]} AS ${alias}`);
  const ranked = await rawSql(store).query<{ session_id: string; sort_value: string }>(
    `SELECT session_id, ${columns.length > 0 ? columns.join(', ') + ', ' : ''}toString(${key.expr}) AS sort_value
     FROM sessions_rollup
     WHERE project_id = {p:String}${where.map((w) => ` AND ${w}`).join('')}
     GROUP BY session_id
     ${having.length > 0 ? `HAVING ${having.join(' AND ')}` : ''}
     ORDER BY ${key.expr} ${dir}, session_id ${dir}
     LIMIT {n:UInt32}
     ${RANKING_SETTINGS}`,
    params,
  );
  const more = ranked.length > req.limit;
  const page = more ? ranked.slice(0, req.limit) : ranked;
  const last = page[page.length - 1];
  const summaries = await summarize(
    store,
    req.projectId,
    page.map((r) => r.session_id),
  );
  return {
    sessions: page.flatMap((r) => summaries.get(r.session_id) ?? []),
    next_cursor: more && last ? encodeCursor(cursorKind, { v: last.sort_value, id: last.session_id }) : null,
  };
}

/**
 * The page's summaries, anomaly flags and titles in one statement (`queryParts`): as three
 * statements they paid chDB's fixed cost three times, one after another — 10–15 ms of every list
 * page at 10M spans (BENCHMARKS.md, "The list in two statements").
 */
async function summarize(store: Store, projectId: string, ids: string[]): Promise<Map<string, SessionSummary>> {
  if (ids.length === 0) return new Map();
  const [rows, flags, titles] = (await queryParts(store, [SESSION_SUMMARIES_SQL, ANOMALIES_SQL, TITLES_SQL], {
    p: projectId,
    ids,
  })) as [SummaryRow[], AnomalyRow[], TitleRow[]];
  const flagsOf = anomalyMap(flags);
  const titleOfId = titleMap(titles);
  return new Map(rows.map((r) => [r.session_id, toSummary(r, flagsOf.get(r.session_id), titleOfId.get(r.session_id) ?? null)]));
}

/**
 * The rollup rows of some sessions (parameters `p`, `ids`): a part of the list's summaries
 * statement and of the replay's head statement (session-detail.ts).
 */
export const SESSION_SUMMARIES_SQL = `SELECT ${SUMMARY_COLUMNS} FROM sessions_rollup
       WHERE project_id = {p:String} AND session_id IN {ids:Array(String)}
       GROUP BY session_id`;
