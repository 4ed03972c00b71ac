import { SPAN_SELECT, decodeSpanRow, type SpanRow, type StepDetail } from '@cairn/schemas';
import { rawSql, type Store } from '../store.js';
import { isoFromNs } from './time.js';
import { parentsFirst } from './replay.js';

/** Every column of a span, big payloads included (the step route and the exports): the row itself. */
export type FullSpanRow = SpanRow;

/** Attributes and events are JSON text by the collector's contract; anything else is shown as text. */
export function parseJson(text: string, empty: unknown): unknown {
  if (text === '') return empty;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function toStepDetail(r: FullSpanRow): StepDetail {
  return {
    span_id: r.span_id,
    parent_span_id: r.parent_span_id === '' ? null : r.parent_span_id,
    trace_id: r.trace_id,
    kind: r.kind,
    name: r.name,
    agent_name: r.agent_name,
    workflow: r.workflow,
    user_id: r.user_id,
    service_name: r.service_name,
    autonomy_level: r.autonomy_level,
    start_time: isoFromNs(r.start_time_ns.toString()),
    end_time: isoFromNs(r.end_time_ns.toString()),
    duration_ms: r.end_time_ns > r.start_time_ns ? Number(r.end_time_ns - r.start_time_ns) / 1e6 : 0,
    status: r.status,
    status_message: r.status_message,
    model: r.model,
    provider: r.provider,
    input_tokens: r.input_tokens,
    output_tokens: r.output_tokens,
    cache_read_tokens: r.cache_read_tokens,
    cache_write_tokens: r.cache_write_tokens,
    reasoning_tokens: r.reasoning_tokens,
    cost_usd: r.cost_usd,
    cost_source: r.cost_source,
    confidence: r.confidence,
    tool_name: r.tool_name,
    has_state: r.state !== '',
    has_escalation: r.has_escalation,
    has_limit_hit: r.has_limit_hit,
    input: r.input,
    output: r.output,
    state: r.state === '' ? null : r.state,
    attributes: parseJson(r.attributes, {}),
    resource_attributes: parseJson(r.resource_attributes, {}),
    events: parseJson(r.events, []),
  };
}

export async function getSpan(
  store: Store,
  projectId: string,
  sessionId: string,
  spanId: string,
): Promise<FullSpanRow | undefined> {
  const rows = await rawSql(store).query<Record<string, unknown>>(
    `SELECT ${SPAN_SELECT} FROM spans
     WHERE project_id = {p:String} AND session_id = {id:String} AND span_id = {sid:String}
     LIMIT 1`,
    { p: projectId, id: sessionId, sid: spanId },
  );
  return rows[0] && decodeSpanRow(rows[0]);
}

/** The latest snapshot strictly before a span in replay order (start time, then span id). */
export async function getPreviousState(
  store: Store,
  projectId: string,
  span: FullSpanRow,
): Promise<{ span_id: string; start_time: string; state: string } | null> {
  const rows = await rawSql(store).query<{ span_id: string; start_ns: string; state: string }>(
    `SELECT span_id, toString(toUnixTimestamp64Nano(start_time)) AS start_ns, state FROM spans
     WHERE project_id = {p:String} AND session_id = {id:String} AND has_state = 1
       AND (start_time, span_id) < (fromUnixTimestamp64Nano({s:Int64}, 'UTC'), {sid:String})
     ORDER BY start_time DESC, span_id DESC
     LIMIT 1`,
    { p: projectId, id: span.session_id, s: span.start_time_ns.toString(), sid: span.span_id },
  );
  const row = rows[0];
  return row ? { span_id: row.span_id, start_time: isoFromNs(row.start_ns), state: row.state } : null;
}

/** Every span of the given sessions with payloads, deduplicated, grouped per session in replay order. */
export async function getFullSpans(store: Store, projectId: string, sessionIds: string[]): Promise<Map<string, FullSpanRow[]>> {
  const out = new Map<string, FullSpanRow[]>();
  if (sessionIds.length === 0) return out;
  const rows = await rawSql(store).query<Record<string, unknown>>(
    `SELECT ${SPAN_SELECT} FROM spans
     WHERE project_id = {p:String} AND session_id IN {ids:Array(String)}
     ORDER BY session_id, start_time, span_id
     LIMIT 1 BY session_id, trace_id, span_id`,
    { p: projectId, ids: sessionIds },
  );
  // Replay order works on the start time as ClickHouse's decimal string (parentsFirst).
  const ordered = new Map<string, { span_id: string; parent_span_id: string; start_ns: string; row: FullSpanRow }[]>();
  for (const raw of rows) {
    const r = decodeSpanRow(raw);
    let list = ordered.get(r.session_id);
    if (!list) ordered.set(r.session_id, (list = []));
    list.push({ span_id: r.span_id, parent_span_id: r.parent_span_id, start_ns: r.start_time_ns.toString(), row: r });
  }
  for (const [id, list] of ordered)
    out.set(
      id,
      parentsFirst(list).map((x) => x.row),
    );
  return out;
}
