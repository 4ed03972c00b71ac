import type { SpanRow } from '@cairn/schemas';

/** Rows per synchronous slice: small enough that one slice stays well under 10 ms. */
const SLICE_ROWS = 1000;

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** One span as a JSONEachRow line in the spans table's column order. */
export function encodeSpanRow(r: SpanRow): string {
  // A literal object in column order: JSON.stringify of a fixed shape is V8's fast path.
  return JSON.stringify({
    project_id: r.project_id,
    session_id: r.session_id,
    trace_id: r.trace_id,
    span_id: r.span_id,
    parent_span_id: r.parent_span_id,
    name: r.name,
    kind: r.kind,
    agent_name: r.agent_name,
    workflow: r.workflow,
    user_id: r.user_id,
    service_name: r.service_name,
    autonomy_level: r.autonomy_level,
    start_time: r.start_time_ns.toString(),
    end_time: r.end_time_ns.toString(),
    duration_ns: (r.end_time_ns > r.start_time_ns ? r.end_time_ns - r.start_time_ns : 0n).toString(),
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
    tool_call_key: r.tool_call_key,
    input: r.input,
    output: r.output,
    state: r.state,
    has_escalation: r.has_escalation ? 1 : 0,
    has_limit_hit: r.has_limit_hit ? 1 : 0,
    attributes: r.attributes,
    resource_attributes: r.resource_attributes,
    events: r.events,
  });
}

/**
 * Encodes rows as one JSONEachRow body, a slice at a time with a turn of the event loop
 * between slices: one `JSON.stringify` of a large batch blocks the loop for over a second.
 */
export async function encodeSpanRows(rows: readonly SpanRow[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let i = 0; i < rows.length; i += SLICE_ROWS) {
    if (i > 0) await yieldToLoop();
    const end = Math.min(rows.length, i + SLICE_ROWS);
    let text = '';
    for (let j = i; j < end; j++) text += encodeSpanRow(rows[j]!) + '\n';
    parts.push(Buffer.from(text, 'utf8'));
  }
  return Buffer.concat(parts);
}

/** Generic JSONEachRow encoder for small tables (config, alerts). */
export function encodeJsonRows(rows: readonly object[]): Buffer {
  return Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n') + '\n', 'utf8');
}
