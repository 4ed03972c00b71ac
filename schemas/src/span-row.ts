/** Span kinds of the canonical row (the data model, docs/ARCHITECTURE.md). */
export const SPAN_KINDS = [
  'session',
  'agent',
  'llm',
  'tool',
  'retrieval',
  /** A memory-store operation (GenAI `create_memory_store`, `search_memory`, `create_memory`, …). */
  'memory',
  'step',
  'state',
  'escalation',
  'guardrail',
  'other',
] as const;
export type SpanKind = (typeof SPAN_KINDS)[number];

export const SPAN_STATUSES = ['unset', 'ok', 'error'] as const;
export type SpanStatus = (typeof SPAN_STATUSES)[number];

export const COST_SOURCES = ['provided', 'computed', 'unknown', 'none'] as const;
/** `none`: the span carries no cost by nature (not an LLM call, or its children carry it). */
export type CostSource = (typeof COST_SOURCES)[number];

/**
 * One stored row per finished span. Session, agent, workflow and user are denormalized onto
 * every row so the read path needs no joins. Times are nanoseconds since the epoch as bigint.
 */
export interface SpanRow {
  project_id: string;
  session_id: string;
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  name: string;
  kind: SpanKind;
  agent_name: string;
  workflow: string;
  user_id: string;
  service_name: string;
  autonomy_level: string;
  start_time_ns: bigint;
  end_time_ns: bigint;
  status: SpanStatus;
  status_message: string;
  model: string;
  provider: string;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  cost_usd: number;
  cost_source: CostSource;
  /** 0..1, or null when the span says nothing about confidence. */
  confidence: number | null;
  tool_name: string;
  /** Stable hash of tool name + arguments, for retry-loop detection; '' when not a tool call. */
  tool_call_key: string;
  /** Prompt / tool arguments, as text (JSON for messages). */
  input: string;
  /** Response / tool result, as text. */
  output: string;
  /** The last state snapshot recorded on this span, as JSON text; '' when none. */
  state: string;
  has_escalation: boolean;
  has_limit_hit: boolean;
  /** Remaining attributes as a JSON object text. */
  attributes: string;
  resource_attributes: string;
  /** Span events as a JSON array text: [{ name, time_ns, attributes }]. */
  events: string;
}

/** Column order used by encoders and the spans table. */
export const SPAN_COLUMNS = [
  'project_id',
  'session_id',
  'trace_id',
  'span_id',
  'parent_span_id',
  'name',
  'kind',
  'agent_name',
  'workflow',
  'user_id',
  'service_name',
  'autonomy_level',
  'start_time',
  'end_time',
  'duration_ns',
  'status',
  'status_message',
  'model',
  'provider',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'cost_usd',
  'cost_source',
  'confidence',
  'tool_name',
  'tool_call_key',
  'input',
  'output',
  'state',
  'has_escalation',
  'has_limit_hit',
  'attributes',
  'resource_attributes',
  'events',
] as const;
