import { emptySpanRow, type SpanRow } from '@cairn/schemas';
import type { DecodedSpan } from '../otlp/decoded.js';
import { limitRow, timeRejection } from './limits.js';
import { attributesStep } from './steps/attributes.js';
import { confidenceStep } from './steps/confidence.js';
import { contentStep } from './steps/content.js';
import type { Extraction, ExtractionStep, NormalizeContext } from './steps/extraction.js';
import { identityStep } from './steps/identity.js';
import { namesStep } from './steps/names.js';
import { statusEventsStep } from './steps/status-events.js';
import { tokensCostStep } from './steps/tokens-cost.js';

export type { NormalizeContext } from './steps/extraction.js';
export { toolCallKey } from './steps/content.js';

export type NormalizeResult = { row: SpanRow } | { rejected: string };

function isHexId(id: string, len: number): boolean {
  if (id.length !== len) return false;
  let nonZero = false;
  for (let i = 0; i < len; i++) {
    const c = id.charCodeAt(i);
    if (c === 48) continue;
    if ((c > 48 && c <= 57) || (c >= 97 && c <= 102)) nonZero = true;
    else return false;
  }
  return nonZero;
}

function show(id: string): string {
  return id.length > 40 ? `${id.slice(0, 40)}…` : id;
}

/** Why a span cannot be stored, or undefined when it can. */
function rejection(s: DecodedSpan): string | undefined {
  if (!isHexId(s.traceId, 32))
    return `invalid trace id "${show(s.traceId)}": expected 16 bytes (32 hex characters), not all zero`;
  if (!isHexId(s.spanId, 16))
    return `span ${s.traceId}: invalid span id "${show(s.spanId)}": expected 8 bytes (16 hex characters), not all zero`;
  const where = `span ${s.traceId}/${s.spanId}`;
  if (s.parentSpanId !== '' && s.parentSpanId !== '0000000000000000' && !isHexId(s.parentSpanId, 16)) {
    return `${where}: invalid parent span id "${show(s.parentSpanId)}": expected 8 bytes (16 hex characters) or none`;
  }
  return timeRejection(s.startNs, s.endNs, where);
}

/**
 * The extraction steps, in order: each fills its own columns of a blank row (steps/*.ts). A
 * later step may read what an earlier one set (the kind, the model, what was consumed).
 */
const ROW_STEPS: readonly ExtractionStep[] = [
  identityStep,
  namesStep,
  tokensCostStep,
  confidenceStep,
  contentStep,
  statusEventsStep,
  attributesStep,
];

/**
 * Every column of SPAN_TABLE at its blank value, as a fast-properties object: a spread copy of
 * it costs a fraction of building the row key by key (`emptySpanRow` adds 36 computed keys,
 * which leaves V8 a dictionary-mode object, twice the bytes and slower to fill and encode).
 */
const BLANK_ROW: SpanRow = { ...emptySpanRow() };

/** No span: what the reused extraction holds between two spans (so it keeps none alive). */
const NO_SPAN: DecodedSpan = {
  traceId: '',
  spanId: '',
  parentSpanId: '',
  name: '',
  spanKind: 0,
  startNs: 0n,
  endNs: 0n,
  attributes: {},
  events: [],
  statusCode: 0,
  statusMessage: '',
  resource: {},
  scopeName: '',
  scopeVersion: '',
};

/**
 * The extraction's bookkeeping, reused from span to span: normalization is synchronous, one span
 * at a time, and a fresh record plus three arrays per span were most of what the split into
 * steps added to the allocations of the ingest hot path.
 */
const scratch: Extraction = {
  span: NO_SPAN,
  a: NO_SPAN.attributes,
  ctx: { projectId: '', priceBook: undefined as unknown as NormalizeContext['priceBook'] },
  row: BLANK_ROW,
  consumed: { used: [], prefixes: [], events: [] },
  sessionAttr: '',
  cost: undefined,
  stateEvent: -1,
};

/**
 * The span's row: every column starts at its blank value (copied from BLANK_ROW), so a new
 * column in SPAN_TABLE needs no line here unless the collector extracts something into it.
 */
function buildRow(span: DecodedSpan, ctx: NormalizeContext): SpanRow {
  const x = scratch;
  const row: SpanRow = { ...BLANK_ROW };
  x.span = span;
  x.a = span.attributes;
  x.ctx = ctx;
  x.row = row;
  x.consumed.used.length = 0;
  x.consumed.prefixes.length = 0;
  x.consumed.events.length = 0;
  x.sessionAttr = '';
  x.cost = undefined;
  x.stateEvent = -1;
  try {
    for (let i = 0; i < ROW_STEPS.length; i++) (ROW_STEPS[i] as ExtractionStep)(x);
  } finally {
    x.span = NO_SPAN;
    x.a = NO_SPAN.attributes;
    x.row = BLANK_ROW;
    x.cost = undefined;
  }
  return row;
}

/**
 * Maps one decoded OTLP span onto Cairn's canonical row (the data model, docs/ARCHITECTURE.md): OpenTelemetry GenAI
 * conventions first, then OpenInference and the Vercel AI SDK, fitted to the store's ranges
 * (limits.ts). Returns `{ rejected }` with a reason for spans that cannot be stored (bad ids,
 * times or sizes); never throws.
 */
export function normalizeSpan(span: DecodedSpan, ctx: NormalizeContext): NormalizeResult {
  const reason = rejection(span);
  if (reason !== undefined) return { rejected: reason };
  try {
    const row = buildRow(span, ctx);
    const unfit = limitRow(row, `span ${span.traceId}/${span.spanId}`);
    return unfit === undefined ? { row } : { rejected: unfit };
  } catch (err) {
    // A safety net for pathological values (e.g. JSON nested too deep to serialize): one bad
    // span is reported, the rest of the request is stored.
    return {
      rejected: `span ${span.traceId}/${span.spanId}: could not be normalized: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}
