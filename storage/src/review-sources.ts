import { ATTR } from '@cairn/schemas';
import { rawSql, type Store } from './store.js';
import { versionedTable } from './versioned-table.js';
import { chTime } from './queries/time.js';
import { msOfCh as msOf } from './alerts/versions.js';

/**
 * What opens review items besides the SDK (migration 0006; docs/ARCHITECTURE.md, "Escalations
 * and reviews"): per-agent trust thresholds, and the spans the alert engine turns into items —
 * `cairn.escalation` events from any instrumentation, confidence below the agent's threshold,
 * per-run cap hits (hard stops), and sessions an anomaly detector flagged.
 */

export interface ThresholdRecord {
  project_id: string;
  /** '' = the project default. */
  agent_name: string;
  threshold: number;
  updated_ms: number;
}

type ThresholdRow = Omit<ThresholdRecord, 'updated_ms'> & { updated_at: string };

const thresholdTable = versionedTable<ThresholdRow, ThresholdRecord>({
  table: 'review_thresholds',
  key: 'agent_name',
  columns: 'project_id, agent_name, threshold, toString(updated_at) AS updated_at',
  order: 'agent_name',
  fromRow: (r) => ({ ...r, threshold: Number(r.threshold), updated_ms: msOf(r.updated_at) }),
  toRow: (t) => ({
    project_id: t.project_id,
    agent_name: t.agent_name,
    threshold: t.threshold,
    updated_at: chTime(t.updated_ms),
  }),
});

/** Thresholds of one project, or of every project (the engine). */
export const listThresholds = (store: Store, projectId?: string): Promise<ThresholdRecord[]> =>
  thresholdTable.list(store, projectId);

/** Sets (or with null removes) the threshold of an agent ('' = the project default). */
export async function putThreshold(store: Store, projectId: string, agent: string, threshold: number | null): Promise<void> {
  await thresholdTable.save(
    store,
    { project_id: projectId, agent_name: agent, threshold: threshold ?? 0, updated_ms: Date.now() },
    threshold === null,
  );
}

/** The threshold that applies to an agent: its own, else the project default, else null. */
export function thresholdFor(thresholds: readonly ThresholdRecord[], projectId: string, agent: string): number | null {
  const own = thresholds.find((t) => t.project_id === projectId && t.agent_name === agent && agent !== '');
  const def = thresholds.find((t) => t.project_id === projectId && t.agent_name === '');
  return (own ?? def)?.threshold ?? null;
}

export type CandidateRule = 'event' | 'low_confidence' | 'hard_stop' | 'anomaly';

/** A span (or, for anomalies, a session: span_id '') that calls for a review item. */
export interface ReviewCandidate {
  project_id: string;
  session_id: string;
  span_id: string;
  agent_name: string;
  workflow: string;
  rule: CandidateRule;
  confidence: number | null;
  /** The escalation reason of the event, or the anomaly type. */
  reason: string;
  /** The event came from the Cairn SDK, which opens its item itself (`cairn.escalation.source` = sdk). */
  from_sdk: boolean;
  state: string;
  /** Cost of the session's spans that ended up to this span. */
  cost_usd: number;
}

interface CandidateRow {
  project_id: string;
  session_id: string;
  span_id: string;
  agent_name: string;
  workflow: string;
  has_escalation: number;
  has_limit_hit: number;
  confidence: number | null;
  events: string;
  state: string;
  cost_before: number;
}

/**
 * Spans of sessions that received spans since `sinceMs` (ingest time) carrying an escalation
 * event, a cap hit, or a confidence below `threshold` (null: no confidence rule), in one project.
 * The session rollup narrows the sessions first (escalations, cap hits, lowest confidence), so
 * a tick reads the spans of only the sessions that can have a candidate.
 */
export async function reviewCandidates(
  store: Store,
  projectId: string,
  sinceMs: number,
  threshold: (agent: string) => number | null,
  agents: readonly string[],
): Promise<ReviewCandidate[]> {
  // Thresholds go in as two arrays (agent → value) so the rule is one SQL expression.
  const thr = agents.map((a) => [a, threshold(a)] as const).filter((x): x is readonly [string, number] => x[1] !== null);
  const def = threshold('');
  const rows = await rawSql(store).query<CandidateRow>(
    `SELECT * FROM (
       SELECT project_id, session_id, span_id, agent_name, workflow, has_escalation, has_limit_hit, confidence, events, state,
         sum(cost_usd) OVER (PARTITION BY session_id ORDER BY end_time, span_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
           AS cost_before
       FROM (SELECT * FROM spans WHERE project_id = {p:String} AND session_id IN (
           SELECT session_id FROM sessions_rollup WHERE project_id = {p:String} GROUP BY session_id
           HAVING max(last_ingested) >= toDateTime64({since:String}, 3, 'UTC')
             AND (sum(escalations) > 0 OR sum(limit_hits) > 0 OR min(min_confidence) < {tmax:Float64}))
         LIMIT 1 BY trace_id, span_id))
     WHERE has_escalation = 1 OR has_limit_hit = 1
       OR (confidence IS NOT NULL AND confidence < if(has({ta:Array(String)}, agent_name),
             arrayElement({tv:Array(Float64)}, indexOf({ta:Array(String)}, agent_name)), {td:Float64}))`,
    {
      p: projectId,
      since: chTime(sinceMs),
      ta: thr.map((x) => x[0]),
      tv: thr.map((x) => x[1]),
      td: def ?? -1,
      tmax: Math.max(-1, def ?? -1, ...thr.map((x) => x[1])),
    },
  );
  const out: ReviewCandidate[] = [];
  for (const r of rows) {
    const base = {
      project_id: r.project_id,
      session_id: r.session_id,
      span_id: r.span_id,
      agent_name: r.agent_name,
      workflow: r.workflow,
      confidence: r.confidence === null ? null : Number(r.confidence),
      state: r.state,
      cost_usd: Number(r.cost_before),
    };
    if (Number(r.has_escalation) === 1) {
      const ev = escalationEvent(r.events);
      out.push({ ...base, rule: 'event', reason: ev.reason, from_sdk: ev.fromSdk });
    }
    if (Number(r.has_limit_hit) === 1) out.push({ ...base, rule: 'hard_stop', reason: limitReason(r.events), from_sdk: false });
    const t = threshold(r.agent_name);
    if (base.confidence !== null && t !== null && base.confidence < t) {
      out.push({ ...base, rule: 'low_confidence', reason: `confidence ${base.confidence} below ${t}`, from_sdk: false });
    }
  }
  return out;
}

/** The first `cairn.escalation` event of a span's events JSON (any shape the collector stored). */
function escalationEvent(eventsJson: string): { reason: string; fromSdk: boolean } {
  try {
    const events = JSON.parse(eventsJson || '[]') as { name?: string; attributes?: Record<string, unknown> }[];
    const list = Array.isArray(events) ? events : [];
    const ev = list.find((e) => e.name === ATTR.EVENT_ESCALATION);
    // A span with only a decision event is the SDK's (its escalation event went on another span).
    if (!ev && list.some((e) => e.name === ATTR.EVENT_ESCALATION_DECISION)) return { reason: 'escalation', fromSdk: true };
    const a = ev?.attributes ?? {};
    const reason = a[ATTR.ESCALATION_REASON];
    return { reason: typeof reason === 'string' ? reason : 'escalation', fromSdk: a[ATTR.ESCALATION_SOURCE] === 'sdk' };
  } catch {
    return { reason: 'escalation', fromSdk: false };
  }
}

/** What stopped the run (`cairn.limit.exceeded`: a per-run cap or a hard-stop budget). */
function limitReason(eventsJson: string): string {
  try {
    const events = JSON.parse(eventsJson || '[]') as { name?: string; attributes?: Record<string, unknown> }[];
    const a = (Array.isArray(events) ? events : []).find((e) => e.name === ATTR.EVENT_LIMIT_EXCEEDED)?.attributes;
    const kind = a?.[ATTR.LIMIT_KIND];
    const value = a?.[ATTR.LIMIT_VALUE];
    if (typeof kind === 'string') return `hard stop: ${kind} limit${value !== undefined ? ` ${String(value)}` : ''}`;
  } catch {
    // The flag alone then.
  }
  return 'a per-run cap was crossed';
}

/** Sessions an anomaly detector flagged since `sinceMs`, one candidate per (session, type). */
export async function anomalyCandidates(store: Store, projectId: string, sinceMs: number): Promise<ReviewCandidate[]> {
  const rows = await rawSql(store).query<{
    session_id: string;
    type: string;
    agent_name: string;
    workflow: string;
    cost: number;
  }>(
    `SELECT a.session_id AS session_id, a.type AS type, r.agent_name AS agent_name, r.workflow AS workflow, r.cost AS cost
     FROM (SELECT DISTINCT session_id, type FROM session_anomalies
           WHERE project_id = {p:String} AND created_at >= toDateTime64({since:String}, 3, 'UTC')) AS a
     LEFT JOIN (SELECT session_id, argMinMerge(agent_name) AS agent_name, max(workflow) AS workflow, sum(cost_usd) AS cost
                FROM sessions_rollup WHERE project_id = {p:String} GROUP BY session_id) AS r ON r.session_id = a.session_id`,
    { p: projectId, since: chTime(sinceMs) },
  );
  return rows.map((r) => ({
    project_id: projectId,
    session_id: r.session_id,
    span_id: '',
    agent_name: r.agent_name,
    workflow: r.workflow,
    rule: 'anomaly',
    confidence: null,
    reason: `anomaly: ${r.type}`,
    from_sdk: false,
    state: '',
    cost_usd: Number(r.cost),
  }));
}

/** Events of the session's spans that carry an escalation (the replay's escalations), in time order. */
export async function sessionEscalationEvents(
  store: Store,
  projectId: string,
  sessionId: string,
): Promise<{ span_id: string; events: string }[]> {
  return rawSql(store).query<{ span_id: string; events: string }>(
    `SELECT span_id, events FROM spans WHERE project_id = {p:String} AND session_id = {s:String} AND has_escalation = 1
     ORDER BY start_time, span_id LIMIT 1 BY trace_id, span_id LIMIT 10000`,
    { p: projectId, s: sessionId },
  );
}
