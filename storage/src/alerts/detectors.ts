import type { Store } from '../store.js';
import { chTime } from '../queries/time.js';

/** The reads of the anomaly detectors: per-session figures from `sessions_rollup`, tool repeats from `spans`. */

const SESSION_AGG = `session_id, argMinMerge(agent_name) AS agent, sum(cost_usd) AS cost, sum(spans) AS steps,
  sum(errors) AS errs, sum(tool_calls) AS tools, min(start_time) AS st`;

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
  const params = { p: projectId, bfrom: chTime(t.baselineFromMs), wfrom: chTime(t.windowFromMs), now: chTime(t.nowMs) };
  const inWindow = `FROM (SELECT ${SESSION_AGG} FROM sessions_rollup WHERE project_id = {p:String} GROUP BY session_id
           HAVING st >= toDateTime64({bfrom:String}, 3, 'UTC') AND st < toDateTime64({now:String}, 3, 'UTC'))
     WHERE agent != ''`;
  const [samples, rates] = await Promise.all([
    store.query<AgentSampleRow>(
      `SELECT agent, groupArray(session_id) AS ids, groupArray(cost) AS costs, groupArray(steps) AS steps
       FROM (SELECT agent, session_id, cost, steps ${inWindow} ORDER BY st DESC LIMIT 2000 BY agent)
       GROUP BY agent`,
      params,
    ),
    store.query<AgentRateRow>(
      `SELECT agent,
              countIf(st >= toDateTime64({wfrom:String}, 3, 'UTC')) AS win_n,
              countIf(st >= toDateTime64({wfrom:String}, 3, 'UTC') AND errs > 0) AS win_err,
              countIf(st < toDateTime64({wfrom:String}, 3, 'UTC')) AS base_n,
              countIf(st < toDateTime64({wfrom:String}, 3, 'UTC') AND errs > 0) AS base_err
       ${inWindow} GROUP BY agent`,
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
  const rows = await store.query<SessionFigures>(
    `SELECT ${SESSION_AGG} FROM sessions_rollup
     WHERE project_id = {p:String} AND session_id IN (
       SELECT session_id FROM sessions_rollup WHERE project_id = {p:String} AND last_ingested >= toDateTime64({since:String}, 3, 'UTC'))
     GROUP BY session_id LIMIT 100000`,
    { p: projectId, since: chTime(sinceMs) },
  );
  return rows.map((r) => ({
    session_id: r.session_id,
    agent: r.agent,
    cost: Number(r.cost),
    steps: Number(r.steps),
    tools: Number(r.tools),
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
  const rows = await store.query<RepeatedToolCall>(
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
  const rows = await store.query<{ session_id: string }>(
    `SELECT session_id FROM (SELECT ${SESSION_AGG} FROM sessions_rollup WHERE project_id = {p:String} GROUP BY session_id
       HAVING st >= toDateTime64({wfrom:String}, 3, 'UTC') AND agent = {a:String} AND errs > 0) LIMIT 100`,
    { p: projectId, wfrom: chTime(fromMs), a: agent },
  );
  return rows.map((r) => r.session_id);
}
