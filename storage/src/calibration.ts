import { rawSql, type Store } from './store.js';

/**
 * Reads for confidence calibration: each score on a step joined with the confidence that step
 * reported (in [0, 1]). The verdict a score carries and the statistics are
 * computed by the caller (ingest-api `calibration/`), so this module stays plain SQL.
 */
export interface CalibrationFilter {
  projectId: string;
  /** One agent, or every agent when omitted. */
  agent?: string;
  /** Step start, epoch milliseconds, inclusive. */
  fromMs: number;
  /** Step start, epoch milliseconds, exclusive. */
  toMs: number;
  /** Rows read at most (a bound on memory, not a page). */
  limit: number;
}

/** One score on one step with that step's confidence. */
export interface StepOutcomeRow {
  session_id: string;
  span_id: string;
  agent_name: string;
  confidence: number;
  score_id: string;
  source: string;
  name: string;
  data_type: string;
  value: number;
  string_value: string;
  created_ms: number;
}

interface RawRow extends Omit<StepOutcomeRow, 'confidence' | 'value' | 'created_ms'> {
  confidence: number | string;
  value: number | string;
  created_ms: number | string;
}

/**
 * Steps of the range that have a confidence and at least one score; `agent` narrows them. The
 * confidence is the span's (`cairn.confidence`), else the one the agent sent with an escalation
 * of that step (`review_items.confidence`: the SDK's escalate() reports it there, not on the span).
 */
function scoredStepsSql(withAgent: boolean): string {
  return `SELECT s.session_id AS session_id, s.span_id AS span_id, s.step_agent AS step_agent,
           if(isNull(s.span_confidence), r.item_confidence, s.span_confidence) AS step_confidence
    FROM (
      SELECT session_id, span_id, any(agent_name) AS step_agent, any(confidence) AS span_confidence
      FROM spans
      WHERE project_id = {p:String}
        AND start_time >= fromUnixTimestamp64Milli({from:Int64}) AND start_time < fromUnixTimestamp64Milli({to:Int64})
        ${withAgent ? 'AND agent_name = {agent:String}' : ''}
        AND (session_id, span_id) IN (SELECT session_id, span_id FROM scores WHERE project_id = {p:String} AND span_id != '')
      GROUP BY session_id, span_id
    ) AS s
    LEFT JOIN (
      SELECT session_id, span_id, any(confidence) AS item_confidence
      FROM review_items
      WHERE project_id = {p:String} AND confidence IS NOT NULL
      GROUP BY session_id, span_id
    ) AS r ON s.session_id = r.session_id AND s.span_id = r.span_id
    WHERE step_confidence IS NOT NULL AND step_confidence >= 0 AND step_confidence <= 1`;
}

/** Scores on steps that reported a confidence, oldest score first within a step. */
export async function listStepOutcomes(store: Store, f: CalibrationFilter): Promise<StepOutcomeRow[]> {
  const rows = await rawSql(store).query<RawRow>(
    `SELECT sc.session_id AS session_id, sc.span_id AS span_id, st.step_agent AS agent_name, st.step_confidence AS confidence,
            sc.score_id AS score_id, sc.source AS source, sc.name AS name, sc.data_type AS data_type,
            sc.value AS value, sc.string_value AS string_value, sc.created_ms AS created_ms
     FROM (
       SELECT session_id, span_id, score_id, toString(source) AS source, name, toString(data_type) AS data_type,
              value, string_value, toUnixTimestamp64Milli(created_at) AS created_ms
       FROM scores WHERE project_id = {p:String} AND span_id != ''
       LIMIT 1 BY session_id, score_id
     ) AS sc
     INNER JOIN (${scoredStepsSql(f.agent !== undefined)}) AS st
       ON sc.session_id = st.session_id AND sc.span_id = st.span_id
     ORDER BY session_id, span_id, created_ms, score_id
     LIMIT {limit:UInt32}`,
    { p: f.projectId, from: f.fromMs, to: f.toMs, limit: f.limit, ...(f.agent !== undefined ? { agent: f.agent } : {}) },
  );
  return rows.map((r) => ({
    ...r,
    confidence: Number(r.confidence),
    value: Number(r.value),
    created_ms: Number(r.created_ms),
  }));
}

/** Agents that have at least one scored step with a confidence in the range, by name. */
export async function listCalibrationAgents(store: Store, f: Omit<CalibrationFilter, 'agent' | 'limit'>): Promise<string[]> {
  const rows = await rawSql(store).query<{ agent_name: string }>(
    `SELECT DISTINCT step_agent AS agent_name FROM (${scoredStepsSql(false)}) WHERE step_agent != '' ORDER BY agent_name LIMIT 1000`,
    { p: f.projectId, from: f.fromMs, to: f.toMs },
  );
  return rows.map((r) => r.agent_name);
}
