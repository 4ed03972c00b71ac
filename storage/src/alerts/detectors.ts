import { rawSql, type Store } from '../store.js';
import { chTime } from '../queries/time.js';
import { sessionAggregateColumns } from '../queries/session-aggregate.js';

/** The reads of the anomaly detectors: per-session figures from `sessions_rollup`, tool repeats from `spans`. */

/**
 * The session figures the detectors read, from the one session-aggregate definition the session
 * list uses too (queries/session-aggregate.ts), so a session's cost or steps never differ
 * between the list and an alert.
 */
const SESSION_AGG = `session_id, ${sessionAggregateColumns(['s_agent', 's_cost', 's_steps', 's_errors', 's_tool_calls', 's_start_ns'])}`;

/** Epoch ms → nanoseconds, compared with `s_start_ns` (Int64: 1e18 fits). */
const NS = '* 1000000';

export interface AgentSampleRow {
  agent: string;
  ids: string[];
  costs: number[];
  steps: number[];
}

export interface AgentRateRow {
  agent: string;
  win_n: number;
  win_err: number;
  base_n: number;
  base_err: number;
}

/**
 * Per agent, over sessions started in [baselineFromMs, nowMs): its most recent sessions (up to
 * 2000: ids, costs, steps) and its session / erring-session counts inside and before the
 * error-rate window starting at windowFromMs.
 */
export async function agentBaselineRows(
  store: Store,
  projectId: string,
  t: { baselineFromMs: number; windowFromMs: number; nowMs: number },
): Promise<{ samples: AgentSampleRow[]; rates: AgentRateRow[] }> {
  const params = { p: projectId, bfrom: t.baselineFromMs, wfrom: t.windowFromMs, now: t.nowMs };
  const inWindow = `FROM (SELECT ${SESSION_AGG} FROM sessions_rollup WHERE project_id = {p:String} GROUP BY session_id
           HAVING s_start_ns >= {bfrom:Int64} ${NS} AND s_start_ns < {now:Int64} ${NS})
     WHERE s_agent != ''`;
  const [samples, rates] = await Promise.all([
    rawSql(store).query<AgentSampleRow>(
      `SELECT s_agent AS agent, groupArray(session_id) AS ids, groupArray(s_cost) AS costs, groupArray(s_steps) AS steps
       FROM (SELECT s_agent, session_id, s_cost, s_steps ${inWindow} ORDER BY s_start_ns DESC LIMIT 2000 BY s_agent)
       GROUP BY s_agent`,
      params,
    ),
    rawSql(store).query<AgentRateRow>(
      `SELECT s_agent AS agent,
              countIf(s_start_ns >= {wfrom:Int64} ${NS}) AS win_n,
              countIf(s_start_ns >= {wfrom:Int64} ${NS} AND s_errors > 0) AS win_err,
              countIf(s_start_ns < {wfrom:Int64} ${NS}) AS base_n,
              countIf(s_start_ns < {wfrom:Int64} ${NS} AND s_errors > 0) AS base_err
       ${inWindow} GROUP BY s_agent`,
      params,
    ),
  ]);
  return { samples, rates };
}

/** Whole-session figures of a session the detectors look at. */
export interface SessionFigures {
  session_id: string;
  agent: string;
  cost: number;
  steps: number;
  tools: number;
}

/** Sessions that received spans since `sinceMs` (ingest time), with their whole-session figures. */
export async function recentSessionFigures(store: Store, projectId: string, sinceMs: number): Promise<SessionFigures[]> {
  const rows = await rawSql(store).query<{
    session_id: string;
    s_agent: string;
    s_cost: number;
    s_steps: number;
    s_tool_calls: number;
  }>(
    `SELECT ${SESSION_AGG} FROM sessions_rollup
     WHERE project_id = {p:String} AND session_id IN (
       SELECT session_id FROM sessions_rollup WHERE project_id = {p:String} AND last_ingested >= toDateTime64({since:String}, 3, 'UTC'))
     GROUP BY session_id LIMIT 100000`,
    { p: projectId, since: chTime(sinceMs) },
  );
  return rows.map((r) => ({
    session_id: r.session_id,
    agent: r.s_agent,
    cost: Number(r.s_cost),
    steps: Number(r.s_steps),
    tools: Number(r.s_tool_calls),
  }));
}

export interface RepeatedToolCall {
  session_id: string;
  tool_name: string;
  tool_call_key: string;
  n: number;
}

/** Per session, its most repeated identical tool call when repeated at least `repeats` times. */
export async function repeatedToolCalls(
  store: Store,
  projectId: string,
  sessionIds: readonly string[],
  repeats: number,
): Promise<RepeatedToolCall[]> {
  if (sessionIds.length === 0) return [];
  const rows = await rawSql(store).query<RepeatedToolCall>(
    `SELECT session_id, tool_name, tool_call_key, uniqExact(span_id) AS n FROM spans
     WHERE project_id = {p:String} AND session_id IN {ids:Array(String)} AND tool_call_key != ''
     GROUP BY session_id, tool_name, tool_call_key HAVING n >= {r:UInt32}
     ORDER BY session_id, n DESC LIMIT 1 BY session_id`,
    { p: projectId, ids: [...sessionIds], r: repeats },
  );
  return rows.map((r) => ({ ...r, n: Number(r.n) }));
}

/** Up to 100 sessions of an agent started since `fromMs` that had errors. */
export async function erringSessions(store: Store, projectId: string, agent: string, fromMs: number): Promise<string[]> {
  const rows = await rawSql(store).query<{ session_id: string }>(
    `SELECT session_id FROM (SELECT ${SESSION_AGG} FROM sessions_rollup WHERE project_id = {p:String} GROUP BY session_id
       HAVING s_start_ns >= {wfrom:Int64} ${NS} AND s_agent = {a:String} AND s_errors > 0) LIMIT 100`,
    { p: projectId, wfrom: fromMs, a: agent },
  );
  return rows.map((r) => r.session_id);
}
