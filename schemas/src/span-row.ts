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
 * How one field of the row is written into its ClickHouse column and read back: `encode` gives
 * the value of the insert line (JSONCompactEachRow), `select` the SQL that reads the column as
 * JSON that `decode` turns back into the field's value.
 */
export interface SpanCodec<T> {
  readonly encode: (v: T) => unknown;
  /** `encode` returns its argument: the insert encoder reads the field straight into the line. */
  readonly passThrough?: boolean;
  readonly select: (column: string) => string;
  readonly decode: (v: unknown) => T;
  /** The field's value in a blank row (`emptySpanRow`). */
  readonly blank: T;
}

/**
 * A nanosecond Unix time as `<10-digit seconds>.<9-digit nanoseconds>`: a DateTime64(9) value
 * of one fixed width, so no digit count can be misread. A bare nanosecond integer was read by
 * its length (fewer than 19 digits — any time before 2001-09-09 — was refused or overflowed),
 * and unpadded seconds of four digits are taken for a year ("1577.5" is refused).
 */
export function encodeTimeNs(ns: bigint): string {
  const s = ns.toString().padStart(19, '0');
  return s.slice(0, 10) + '.' + s.slice(10);
}

const same = <T>(v: T): unknown => v;
const plain = (c: string): string => c;
const text = <T extends string = string>(blank = '' as T): SpanCodec<T> => ({
  encode: same,
  passThrough: true,
  select: plain,
  decode: (v) => String(v) as T,
  blank,
});
// UInt64 columns arrive quoted (output_format_json_quote_64bit_integers); counts stay below 2^53.
const count: SpanCodec<number> = { encode: same, passThrough: true, select: plain, decode: Number, blank: 0 };
const float: SpanCodec<number> = { encode: same, passThrough: true, select: plain, decode: Number, blank: 0 };
const nullableFloat: SpanCodec<number | null> = {
  encode: same,
  passThrough: true,
  select: plain,
  decode: (v) => (v === null ? null : Number(v)),
  blank: null,
};
const flag: SpanCodec<boolean> = { encode: (v) => (v ? 1 : 0), select: plain, decode: (v) => Number(v) === 1, blank: false };
const timeNs: SpanCodec<bigint> = {
  encode: encodeTimeNs,
  select: (c) => `toString(toUnixTimestamp64Nano(${c}))`,
  decode: (v) => BigInt(String(v)),
  blank: 0n,
};

/** A column holding one field of the row (`name`: the column, when it differs from the field). */
export interface SpanFieldColumn<F extends string = string, T = unknown> {
  readonly name: string;
  readonly field: F;
  readonly type: string;
  readonly codec: SpanCodec<T>;
}
/** A column the insert computes from the row's times (no field of its own). */
export interface SpanDerivedColumn {
  readonly name: string;
  readonly type: string;
  readonly derive: (r: { start_time_ns: bigint; end_time_ns: bigint }) => unknown;
}
/** A column ClickHouse fills itself (`MATERIALIZED` / `DEFAULT`): never inserted, not in the row. */
export interface SpanServerColumn {
  readonly name: string;
  readonly type: string;
  readonly server: 'MATERIALIZED' | 'DEFAULT';
}
export type SpanColumnDef = SpanFieldColumn | SpanDerivedColumn | SpanServerColumn;

const col = <F extends string, T>(field: F, type: string, codec: SpanCodec<T>, name: string = field): SpanFieldColumn<F, T> => ({
  name,
  field,
  type,
  codec,
});

const LC = 'LowCardinality(String)';
const ZSTD = 'String'; // payloads: CODEC(ZSTD(3)) in the DDL; system.columns shows the type alone
const TIME = "DateTime64(9, 'UTC')";

/**
 * The `spans` table, defined once: every column in insert order, its ClickHouse type (as
 * `system.columns` shows it; storage/test/span-columns.test.ts holds the migrated table to this
 * list), and how its value is encoded and read. The row type `SpanRow`, the insert encoder
 * (`@cairn/storage/encode`), the column list of the insert (`SPAN_COLUMNS`), the full-row read
 * (`SPAN_SELECT` / `decodeSpanRow`) and the blank row (`emptySpanRow`) are all derived from it.
 * Adding a column: one entry here plus a migration (docs/ARCHITECTURE.md, "Where to add things").
 *
 * One stored row per finished span. Session, agent, workflow and user are denormalized onto
 * every row so the read path needs no joins. Times are nanoseconds since the epoch as bigint.
 */
export const SPAN_TABLE = [
  col('project_id', LC, text()),
  col('session_id', 'String', text()),
  col('trace_id', 'String', text()),
  col('span_id', 'String', text()),
  col('parent_span_id', 'String', text()),
  col('name', 'String', text()),
  col('kind', LC, text<SpanKind>('other')),
  col('agent_name', LC, text()),
  col('workflow', LC, text()),
  col('user_id', 'String', text()),
  col('service_name', LC, text()),
  col('autonomy_level', LC, text()),
  col('start_time_ns', TIME, timeNs, 'start_time'),
  col('end_time_ns', TIME, timeNs, 'end_time'),
  {
    name: 'duration_ns',
    type: 'UInt64',
    derive: (r: { start_time_ns: bigint; end_time_ns: bigint }): string =>
      (r.end_time_ns > r.start_time_ns ? r.end_time_ns - r.start_time_ns : 0n).toString(),
  },
  col('status', LC, text<SpanStatus>('unset')),
  col('status_message', 'String', text()),
  col('model', LC, text()),
  col('provider', LC, text()),
  // Input tokens include cached ones, as OpenTelemetry counts them.
  col('input_tokens', 'UInt64', count),
  col('output_tokens', 'UInt64', count),
  col('cache_read_tokens', 'UInt64', count),
  col('cache_write_tokens', 'UInt64', count),
  col('reasoning_tokens', 'UInt64', count),
  col('cost_usd', 'Float64', float),
  col('cost_source', LC, text<CostSource>('none')),
  // 0..1, or null when the span says nothing about confidence.
  col('confidence', 'Nullable(Float64)', nullableFloat),
  col('tool_name', LC, text()),
  // Stable hash of tool name + arguments, for retry-loop detection; '' when not a tool call.
  col('tool_call_key', 'String', text()),
  // Prompt / tool arguments, as text (JSON for messages).
  col('input', ZSTD, text()),
  // Response / tool result, as text.
  col('output', ZSTD, text()),
  // The last state snapshot recorded on this span, as JSON text; '' when none.
  col('state', ZSTD, text()),
  col('has_escalation', 'UInt8', flag),
  col('has_limit_hit', 'UInt8', flag),
  // Remaining attributes as a JSON object text.
  col('attributes', ZSTD, text<string>('{}')),
  col('resource_attributes', ZSTD, text<string>('{}')),
  // Span events as a JSON array text: [{ name, time_ns, attributes }].
  col('events', ZSTD, text<string>('[]')),
  { name: 'ingested_at', type: "DateTime64(3, 'UTC')", server: 'DEFAULT' },
  // Whether `state` is set, without reading it: the replay lists 10,000+ steps with this flag.
  { name: 'has_state', type: 'UInt8', server: 'MATERIALIZED' },
] as const;

type FieldColumns = Extract<(typeof SPAN_TABLE)[number], { field: string }>;

/** One stored row per finished span (see {@link SPAN_TABLE}). */
export type SpanRow = {
  -readonly [C in FieldColumns as C['field']]: C['codec'] extends SpanCodec<infer T> ? T : never;
};

const isField = (c: SpanColumnDef): c is SpanFieldColumn => 'field' in c;
const isInserted = (c: SpanColumnDef): c is SpanFieldColumn | SpanDerivedColumn => !('server' in c);

/** The inserted columns, in the order of an insert line. */
export const SPAN_INSERT_COLUMNS: readonly (SpanFieldColumn | SpanDerivedColumn)[] = (
  SPAN_TABLE as readonly SpanColumnDef[]
).filter(isInserted);
/** The columns holding a field of the row. */
export const SPAN_FIELD_COLUMNS: readonly SpanFieldColumn[] = (SPAN_TABLE as readonly SpanColumnDef[]).filter(isField);

/** Column order used by encoders and the spans table's insert. */
export const SPAN_COLUMNS: readonly string[] = SPAN_INSERT_COLUMNS.map((c) => c.name);

/**
 * The SELECT list reading a whole row back (payloads included) under the row's field names;
 * `decodeSpanRow` turns one JSONEachRow result into a `SpanRow`.
 */
export const SPAN_SELECT: string = SPAN_FIELD_COLUMNS.map((c) =>
  c.codec.select(c.name) === c.name && c.name === c.field ? c.name : `${c.codec.select(c.name)} AS ${c.field}`,
).join(', ');

export function decodeSpanRow(raw: Record<string, unknown>): SpanRow {
  const out: Record<string, unknown> = {};
  for (const c of SPAN_FIELD_COLUMNS) out[c.field] = c.codec.decode(raw[c.field]);
  return out as SpanRow;
}

/** A row with every field blank (ids '', times 0, no cost): builders and tests fill in the rest. */
export function emptySpanRow(): SpanRow {
  const out: Record<string, unknown> = {};
  for (const c of SPAN_FIELD_COLUMNS) out[c.field] = c.codec.blank;
  return out as SpanRow;
}
