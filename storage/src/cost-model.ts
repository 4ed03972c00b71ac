import { COST_MODEL_MAX_SESSIONS } from '@cairn/schemas';
import { rawSql, type Store } from './store.js';

/**
 * The per-session facts the cost model (ingest-api `cost-model/`) resamples: one row per ended
 * session of a workflow and/or agent that started in a time range. Read from `sessions_rollup`
 * (which sessions) and `spans` (what happened in them), for one project.
 */
export interface CostModelFilter {
  projectId: string;
  /** The session's workflow (`gen_ai.workflow.name`); omitted = any. */
  workflow?: string | undefined;
  /** The session's agent: the first named agent of the run, as in the session list; omitted = any. */
  agent?: string | undefined;
  /** Session start, epoch ms, inclusive. */
  fromMs: number;
  /** Session start, epoch ms, exclusive. */
  toMs: number;
  /**
   * The most sessions read, the newest first, at most `COST_MODEL_MAX_SESSIONS` (20,000, from
   * `@cairn/schemas`): each is one group in the spans scan and a few numbers in memory, and
   * 20,000 runs put 200 above a p99 — enough for the estimates, one bounded scan per report.
   */
  maxSessions: number;
}

export interface CostModelSessionRow {
  session_id: string;
  /** Epoch ms. */
  start_ms: number;
  cost_usd: number;
  /** Any span with an error status (the root's error included). */
  failed: boolean;
  /** Every span of the session. */
  steps: number;
  tool_calls: number;
  failed_tool_calls: number;
  /** Tool calls repeating an earlier one (same tool, same `tool_call_key`): n − 1 per group, as the retry-loop detector groups them. */
  retries: number;
  /**
   * Replanning: an agent invoked again in the same run (agent spans of one name that start
   * after an earlier one of that name ended — parallel workers of one name are a fan-out, not a
   * replan) plus plan steps beyond the first (spans of kind `plan`, or named `plan` / `plan …`
   * as the GenAI `plan` operation names them).
   */
  replans: number;
}

export interface CostModelSessions {
  rows: CostModelSessionRow[];
  /** More sessions matched than `maxSessions`: the oldest were left out. */
  truncated: boolean;
}

interface Raw {
  session_id: string;
  start_ms: number | string;
  cost_usd: number;
  errors: number | string;
  steps: number | string;
  tool_calls: number | string;
  failed_tool_calls: number | string;
  retries: number | string;
  replans: number | string;
}

/**
 * Sessions are picked from the rollup (ended ones only: a running session's cost is not final),
 * newest first, one more than the cap so truncation is known; their spans are then read once,
 * duplicates removed by (trace_id, span_id), and folded in two GROUP BYs — by session and
 * "repeat group" (a tool call key, an agent name, plan steps), then by session.
 */
export async function listCostModelSessions(store: Store, f: CostModelFilter): Promise<CostModelSessions> {
  const limit = Math.max(1, Math.min(f.maxSessions, COST_MODEL_MAX_SESSIONS));
  const having = [
    'max(has_root) = 1',
    'min(start_time) >= fromUnixTimestamp64Milli({from:Int64})',
    'min(start_time) < fromUnixTimestamp64Milli({to:Int64})',
  ];
  const params: Record<string, unknown> = { p: f.projectId, from: f.fromMs, to: f.toMs, limit: limit + 1 };
  if (f.workflow !== undefined) {
    having.push('max(workflow) = {workflow:String}');
    params.workflow = f.workflow;
  }
  if (f.agent !== undefined) {
    having.push('argMinMerge(agent_name) = {agent:String}');
    params.agent = f.agent;
  }
  const raw = await rawSql(store).query<Raw>(
    `WITH picked AS (
       SELECT session_id, min(start_time) AS started FROM sessions_rollup
       WHERE project_id = {p:String}
       GROUP BY session_id
       HAVING ${having.join(' AND ')}
       ORDER BY started DESC, session_id
       LIMIT {limit:UInt32}
     ),
     d AS (
       SELECT session_id, kind, name, agent_name, tool_name, tool_call_key, status, cost_usd, start_time, end_time
       FROM spans
       WHERE project_id = {p:String} AND session_id IN (SELECT session_id FROM picked)
       LIMIT 1 BY session_id, trace_id, span_id
     ),
     g AS (
       SELECT session_id,
              multiIf(kind = 'tool' AND tool_call_key != '', 1,
                      kind = 'agent' AND agent_name != '', 2,
                      kind = 'plan' OR name = 'plan' OR startsWith(name, 'plan '), 3, 0) AS grp,
              multiIf(grp = 1, concat(toString(tool_name), '\\0', tool_call_key),
                      grp = 2, toString(agent_name), '') AS grp_key,
              count() AS n,
              sum(cost_usd) AS cost,
              countIf(status = 'error') AS errs,
              countIf(kind = 'tool') AS tools,
              countIf(kind = 'tool' AND status = 'error') AS tool_errs,
              -- Invocations of one agent that started once an earlier one had ended: a parallel
              -- fan-out of one agent is not replanning, a later wave is.
              if(grp = 2, arrayCount(s -> s >= min(end_time), groupArray(start_time)), 0) AS reinvoked
       FROM d
       GROUP BY session_id, grp, grp_key
     )
     SELECT g.session_id AS session_id,
            toUnixTimestamp64Milli(any(picked.started)) AS start_ms,
            sum(cost) AS cost_usd,
            sum(errs) AS errors,
            sum(n) AS steps,
            sum(tools) AS tool_calls,
            sum(tool_errs) AS failed_tool_calls,
            sumIf(n - 1, grp = 1) AS retries,
            sum(reinvoked) + greatest(sumIf(n, grp = 3), 1) - 1 AS replans
     FROM g INNER JOIN picked ON picked.session_id = g.session_id
     GROUP BY g.session_id
     ORDER BY start_ms DESC, session_id`,
    params,
  );
  const rows = raw.map((r): CostModelSessionRow => ({
    session_id: r.session_id,
    start_ms: Number(r.start_ms),
    cost_usd: Number(r.cost_usd),
    failed: Number(r.errors) > 0,
    steps: Number(r.steps),
    tool_calls: Number(r.tool_calls),
    failed_tool_calls: Number(r.failed_tool_calls),
    retries: Number(r.retries),
    replans: Number(r.replans),
  }));
  const truncated = rows.length > limit;
  return { rows: truncated ? rows.slice(0, limit) : rows, truncated };
}
