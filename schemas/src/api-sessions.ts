import { Type, type Static } from 'typebox';
import { SessionEscalation } from './api-reviews.js';
import { ANOMALY_TYPES } from './api-alerts.js';
import { CountParam, TimeParam, UsdParam } from './api-bounds.js';

/**
 * Session list, replay and step payloads (docs/ARCHITECTURE.md, "HTTP contract": `GET /api/sessions`, `GET /api/sessions/:id`,
 * `GET /api/sessions/:id/steps/:span_id`). Times are ISO 8601 strings in UTC; durations and
 * offsets are milliseconds (fractional, from nanosecond timestamps); money is USD.
 */

export const SESSION_STATUSES = ['running', 'ok', 'error'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];
export const SESSION_SORTS = ['recent', 'cost', 'duration', 'steps'] as const;
export type SessionSort = (typeof SESSION_SORTS)[number];

/** `?agent=a&agent=b` or `?agent=a`: several values of one filter mean "any of them". */
const StringList = Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 50 });

/** Filters shared by the session list and the JSONL export. */
export const SessionFilterFields = {
  from: Type.Optional(TimeParam('Sessions started at or after this time.')),
  to: Type.Optional(TimeParam('Sessions started before this time.')),
  agent: Type.Optional(StringList),
  workflow: Type.Optional(StringList),
  user: Type.Optional(StringList),
  status: Type.Optional(Type.Array(Type.Enum(SESSION_STATUSES), { maxItems: 3 })),
  min_cost: Type.Optional(UsdParam('USD, inclusive.')),
  max_cost: Type.Optional(UsdParam('USD, inclusive.')),
  has_escalation: Type.Optional(Type.Boolean()),
  has_error: Type.Optional(Type.Boolean({ description: 'At least one span with status error (true) or none (false).' })),
  min_steps: Type.Optional(CountParam()),
  anomaly: Type.Optional(
    Type.Array(Type.Enum([...ANOMALY_TYPES, 'any'] as const), {
      maxItems: 5,
      description: 'Sessions an anomaly detector flagged (any of these types; `any` = any type).',
    }),
  ),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Case-insensitive substring of the session id.' })),
};

export const SessionListQuery = Type.Object(
  {
    ...SessionFilterFields,
    sort: Type.Optional(Type.Enum(SESSION_SORTS)),
    order: Type.Optional(Type.Enum(['desc', 'asc'])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(
      Type.String({ maxLength: 2000, description: 'next_cursor of the previous page; the same filters and sort must be sent.' }),
    ),
  },
  { additionalProperties: false },
);
export type SessionListQuery = Static<typeof SessionListQuery>;

export const SessionSummary = Type.Object({
  session_id: Type.String(),
  title: Type.Union([Type.String(), Type.Null()], {
    description:
      "A human title: the `cairn.session.title` attribute (the root span's first, else the earliest span carrying it), " +
      "else the root span's name (the session span, or a span without parent); null when neither is stored yet.",
  }),
  agent_name: Type.String({ description: 'Agent of the earliest span that names one.' }),
  workflow: Type.String(),
  user_id: Type.String(),
  service_name: Type.String(),
  autonomy_level: Type.String(),
  start_time: Type.String(),
  end_time: Type.String(),
  duration_ms: Type.Number(),
  status: Type.Enum(SESSION_STATUSES),
  steps: Type.Integer({ description: 'Spans in the session, the root included: the replay has exactly this many steps.' }),
  llm_calls: Type.Integer(),
  tool_calls: Type.Integer(),
  input_tokens: Type.Integer(),
  output_tokens: Type.Integer(),
  cache_read_tokens: Type.Integer(),
  reasoning_tokens: Type.Integer(),
  total_tokens: Type.Integer({ description: 'input_tokens + output_tokens.' }),
  cost_usd: Type.Number(),
  min_confidence: Type.Union([Type.Number(), Type.Null()]),
  escalations: Type.Integer(),
  errors: Type.Integer(),
  limit_hits: Type.Integer(),
  snapshots: Type.Integer(),
  anomalies: Type.Array(Type.Enum(ANOMALY_TYPES), {
    description:
      'Anomaly detectors of the alert engine that flagged this session, distinct and sorted (`[]` when none): ' +
      "`session_cost` (cost above k × the agent's trailing median), `step_limit` (more steps than the agent's limit), " +
      '`retry_loop` (the same tool with the same arguments N times), `error_rate` (one of the erring sessions of an ' +
      "agent's error-rate spike). The same types `?anomaly=` filters by.",
  }),
});
export type SessionSummary = Static<typeof SessionSummary>;

export const SessionListResponse = Type.Object({
  sessions: Type.Array(SessionSummary),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});
export type SessionListResponse = Static<typeof SessionListResponse>;

export const SessionParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 512 }) });
export type SessionParams = Static<typeof SessionParams>;

export const StepParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 512 }),
  span_id: Type.String({ minLength: 1, maxLength: 64 }),
});
export type StepParams = Static<typeof StepParams>;

export const SessionDetailQuery = Type.Object(
  {
    steps_limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 50_000, default: 10_000 })),
    steps_cursor: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type SessionDetailQuery = Static<typeof SessionDetailQuery>;

/** One step of the replay: light columns only. Big payloads come from the step route. */
export const Step = Type.Object({
  index: Type.Integer({ description: 'Position in replay order, 0-based, across pages.' }),
  span_id: Type.String(),
  parent_span_id: Type.Union([Type.String(), Type.Null()]),
  kind: Type.String(),
  name: Type.String(),
  agent_name: Type.String(),
  start_time: Type.String(),
  offset_ms: Type.Number({ description: 'Start relative to the session start.' }),
  duration_ms: Type.Number(),
  status: Type.String(),
  status_message: Type.String(),
  model: Type.String(),
  input_tokens: Type.Integer(),
  output_tokens: Type.Integer(),
  cost_usd: Type.Number(),
  cumulative_cost_usd: Type.Number({ description: 'Sum of cost_usd of this step and every step before it in replay order.' }),
  confidence: Type.Union([Type.Number(), Type.Null()]),
  tool_name: Type.String(),
  has_state: Type.Boolean(),
  has_escalation: Type.Boolean(),
  has_limit_hit: Type.Boolean(),
});
export type Step = Static<typeof Step>;

// `review`: written by a review decision (`/api/reviews/items/:id/decide`).
export const SCORE_SOURCES = ['human', 'eval', 'api', 'review'] as const;
export type ScoreSource = (typeof SCORE_SOURCES)[number];
export const SCORE_DATA_TYPES = ['numeric', 'categorical', 'boolean'] as const;

export const Score = Type.Object({
  score_id: Type.String(),
  session_id: Type.String(),
  span_id: Type.Union([Type.String(), Type.Null()]),
  name: Type.String(),
  data_type: Type.Enum(SCORE_DATA_TYPES),
  value: Type.Union([Type.Number(), Type.String(), Type.Boolean()]),
  comment: Type.String(),
  source: Type.Enum(SCORE_SOURCES),
  created_at: Type.String(),
});
export type Score = Static<typeof Score>;

const capNumber = (description: string) => Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { description });

/** The per-run caps the SDK enforced on a session (`cairn.cap.*` on its session span). */
export const SessionCaps = Type.Object({
  max_cost_usd: capNumber('Cumulative LLM cost cap, USD (SDK `caps.maxCostUsd`); null when not set.'),
  max_tokens: capNumber('Cumulative input + output tokens cap (`caps.maxTokens`); null when not set.'),
  max_steps: capNumber('Steps cap (`caps.maxSteps`); null when not set.'),
  max_duration_ms: capNumber('Wall-clock cap in milliseconds (`caps.maxDurationMs`); null when not set.'),
  max_tool_repeats: capNumber('Identical tool calls allowed (`caps.maxToolRepeats`); null when not set.'),
});
export type SessionCaps = Static<typeof SessionCaps>;

export const SessionDetailResponse = Type.Object({
  session: SessionSummary,
  caps: Type.Union([SessionCaps, Type.Null()], {
    description:
      "The run's own caps, read from the root session span's `cairn.cap.*` attributes (set by the Cairn SDK); " +
      'null when the session span carries none (no caps, another instrumentation, or the root span not received yet).',
  }),
  steps: Type.Array(Step),
  next_steps_cursor: Type.Union([Type.String(), Type.Null()], {
    description: 'Set when the session has more steps than steps_limit: pass it as steps_cursor for the next page.',
  }),
  scores: Type.Array(Score),
  escalations: Type.Optional(
    Type.Array(SessionEscalation, {
      description: 'Escalations recorded in the session (`cairn.escalation` events) and the decisions the agent continued with.',
    }),
  ),
});
export type SessionDetailResponse = Static<typeof SessionDetailResponse>;

/** A span with everything it recorded: the step route and exports. */
export const StepDetail = Type.Object({
  span_id: Type.String(),
  parent_span_id: Type.Union([Type.String(), Type.Null()]),
  trace_id: Type.String(),
  kind: Type.String(),
  name: Type.String(),
  agent_name: Type.String(),
  workflow: Type.String(),
  user_id: Type.String(),
  service_name: Type.String(),
  autonomy_level: Type.String(),
  start_time: Type.String(),
  end_time: Type.String(),
  duration_ms: Type.Number(),
  status: Type.String(),
  status_message: Type.String(),
  model: Type.String(),
  provider: Type.String(),
  input_tokens: Type.Integer(),
  output_tokens: Type.Integer(),
  cache_read_tokens: Type.Integer(),
  cache_write_tokens: Type.Integer(),
  reasoning_tokens: Type.Integer(),
  cost_usd: Type.Number(),
  cost_source: Type.String(),
  confidence: Type.Union([Type.Number(), Type.Null()]),
  tool_name: Type.String(),
  has_state: Type.Boolean(),
  has_escalation: Type.Boolean(),
  has_limit_hit: Type.Boolean(),
  input: Type.String({ description: 'Prompt messages (JSON text) or tool arguments, as recorded.' }),
  output: Type.String({ description: 'Response messages (JSON text) or tool result, as recorded.' }),
  state: Type.Union([Type.String(), Type.Null()], {
    description: 'State snapshot (JSON text) recorded on this span; null when none.',
  }),
  attributes: Type.Unknown({ description: 'Remaining span attributes (parsed JSON object).' }),
  resource_attributes: Type.Unknown(),
  events: Type.Unknown({ description: 'Span events: [{ name, time_ns, attributes }].' }),
});
export type StepDetail = Static<typeof StepDetail>;

export const StepDetailResponse = Type.Object({
  step: StepDetail,
  previous_state: Type.Union(
    [Type.Object({ span_id: Type.String(), start_time: Type.String(), state: Type.String() }), Type.Null()],
    { description: 'The latest snapshot recorded before this step in replay order, to diff against; null when none.' },
  ),
});
export type StepDetailResponse = Static<typeof StepDetailResponse>;

export const SessionExport = Type.Object({
  format: Type.Literal('cairn.session.v1'),
  exported_at: Type.String(),
  session: SessionSummary,
  steps: Type.Array(StepDetail),
  scores: Type.Array(Score),
});
export type SessionExport = Static<typeof SessionExport>;

export const SessionExportQuery = Type.Object(
  {
    ...SessionFilterFields,
    sort: Type.Optional(Type.Enum(SESSION_SORTS)),
    order: Type.Optional(Type.Enum(['desc', 'asc'])),
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 100_000, default: 1000, description: 'Sessions to export at most.' }),
    ),
    steps: Type.Optional(Type.Enum(['full', 'none'])),
  },
  { additionalProperties: false },
);
export type SessionExportQuery = Static<typeof SessionExportQuery>;

export const ScoreBody = Type.Object(
  {
    session_id: Type.String({ minLength: 1, maxLength: 512 }),
    span_id: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'Score one step rather than the whole session.' }),
    ),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    // One `type` list rather than anyOf: with query coercion on, ajv would turn `true` into 1
    // while trying the number branch of an anyOf.
    value: Type.Unsafe<number | string | boolean>({
      type: ['number', 'string', 'boolean'],
      maxLength: 200,
      description: 'A number (numeric score), a string (categorical label, at most 200 characters) or a boolean.',
    }),
    comment: Type.Optional(Type.String({ maxLength: 10_000 })),
    source: Type.Optional(Type.Enum(SCORE_SOURCES)),
  },
  { additionalProperties: false },
);
export type ScoreBody = Static<typeof ScoreBody>;

export const ScoreResponse = Type.Object({ score: Score });
export type ScoreResponse = Static<typeof ScoreResponse>;
