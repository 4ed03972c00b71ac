import type { SpanRow } from '@cairn/schemas';

export const BASE_NS = 1_760_000_000_000_000_000n;
export const MS = 1_000_000n;

/** A span row with neutral defaults; tests override what they assert on. */
export function makeSpanRow(over: Partial<SpanRow> & Pick<SpanRow, 'session_id' | 'span_id'>): SpanRow {
  return {
    project_id: 'default',
    trace_id: 'f'.repeat(32),
    parent_span_id: '',
    name: 'step',
    kind: 'step',
    agent_name: '',
    workflow: '',
    user_id: '',
    service_name: 'test-svc',
    autonomy_level: '',
    start_time_ns: BASE_NS,
    end_time_ns: BASE_NS + 10n * MS,
    status: 'ok',
    status_message: '',
    model: '',
    provider: '',
    input_tokens: 0,
    output_tokens: 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    cost_usd: 0,
    cost_source: 'none',
    confidence: null,
    tool_name: '',
    tool_call_key: '',
    input: '',
    output: '',
    state: '',
    has_escalation: false,
    has_limit_hit: false,
    attributes: '{}',
    resource_attributes: '{}',
    events: '[]',
    ...over,
  };
}
