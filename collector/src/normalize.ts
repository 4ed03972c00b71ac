import { hash } from 'node:crypto';
import { ATTR, AUTONOMY_LEVELS, FOREIGN_ATTR } from '@cairn/schemas';
import type { PriceBook, SpanRow, SpanStatus } from '@cairn/schemas';
import type { AttrValue, Attributes, DecodedEvent, DecodedSpan } from './decoded.js';
import {
  MAX_ATTR_VALUE_CHARS,
  MAX_PAYLOAD_CHARS,
  asNumber,
  asString,
  asText,
  capText,
  capValue,
  takeString,
  toJson,
} from './attr-values.js';
import {
  agentFromSpanName,
  metadataNames,
  toolFromSpanName,
  USAGE_REPORTED_ATTR,
  usageNotReported,
} from './conventions-names.js';
import { spanCost } from './cost.js';
import { type Consumed, chatInput, chatOutput, toolPayload } from './payload.js';
import { normalizeProvider } from './provider.js';
import { limitRow, timeRejection } from './limits.js';
import { inferKind } from './span-kind.js';
import { setAttr } from './otlp-common.js';

export interface NormalizeContext {
  projectId: string;
  priceBook: PriceBook;
}

export type NormalizeResult = { row: SpanRow } | { rejected: string };

const SESSION_KEYS = [ATTR.CONVERSATION_ID, FOREIGN_ATTR.OI_SESSION_ID, FOREIGN_ATTR.AI_SESSION_ID];
const MODEL_KEYS = [
  ATTR.RESPONSE_MODEL,
  ATTR.REQUEST_MODEL,
  FOREIGN_ATTR.OI_MODEL_NAME,
  'ai.response.model',
  FOREIGN_ATTR.AI_MODEL_ID,
  'embedding.model_name',
];
const PROVIDER_KEYS = [
  ATTR.PROVIDER_NAME,
  ATTR.SYSTEM,
  FOREIGN_ATTR.OI_PROVIDER,
  FOREIGN_ATTR.OI_SYSTEM,
  FOREIGN_ATTR.AI_MODEL_PROVIDER,
];
const AGENT_KEYS = [ATTR.AGENT_NAME, FOREIGN_ATTR.OI_AGENT_NAME];
const WORKFLOW_KEYS = [ATTR.WORKFLOW_NAME];
const USER_KEYS = [ATTR.USER_ID, FOREIGN_ATTR.AI_USER_ID, 'enduser.id'];
const TOOL_NAME_KEYS = [ATTR.TOOL_NAME, FOREIGN_ATTR.OI_TOOL_NAME, FOREIGN_ATTR.AI_TOOLCALL_NAME];
const AUTONOMY = new Set<string>(AUTONOMY_LEVELS);
const EV_EVALUATION = 'gen_ai.evaluation.result';

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

function confidenceOf(v: AttrValue | undefined): number | null {
  const n = asNumber(v);
  return n !== undefined && n >= 0 && n <= 1 ? n : null;
}

/** Event attributes with long strings capped, minus `drop` (a key already stored in a column). */
function eventAttrs(attrs: Attributes, drop: string | undefined): Attributes {
  let out: Attributes | undefined;
  for (const k in attrs) {
    const v = attrs[k] as AttrValue;
    const capped = capValue(v);
    if (k === drop || capped !== v) {
      if (out === undefined) {
        out = {};
        for (const k2 in attrs) {
          if (k2 === k) break;
          setAttr(out, k2, attrs[k2] as AttrValue);
        }
      }
      if (k !== drop) setAttr(out, k, capped);
    } else if (out !== undefined) setAttr(out, k, v);
  }
  return out ?? attrs;
}

const resourceJson = new WeakMap<Attributes, string>();

function resourceText(r: Attributes): string {
  let s = resourceJson.get(r);
  if (s === undefined) {
    s = toJson(r);
    resourceJson.set(r, s);
  }
  return s;
}

/** sha1 of tool name + canonical arguments, first 16 hex characters: equal calls, equal key. */
export function toolCallKey(toolName: string, canonicalArgs: string): string {
  // One-shot hash: a createHash object per tool span cost as much as the hashing itself.
  return hash('sha1', toolName + '\u0000' + canonicalArgs, 'hex').slice(0, 16);
}

function buildRow(s: DecodedSpan, ctx: NormalizeContext): SpanRow {
  const a = s.attributes;
  const used: string[] = [];
  const consumed: Consumed = { used, prefixes: [], events: [] };
  const parent = s.parentSpanId === '0000000000000000' ? '' : s.parentSpanId;

  const meta = metadataNames(a);
  const sessionAttr = takeString(a, SESSION_KEYS, used) || meta.session;
  const kind = inferKind(s.name, a, parent === '', sessionAttr !== '', used);
  const model = takeString(a, MODEL_KEYS, used);
  const providerRaw = takeString(a, PROVIDER_KEYS, used);
  // Vercel's functionId names the traced function: it is the workflow and, when nothing names
  // an agent, the agent too (budgets and the session list group by agent).
  const functionId = asString(a[FOREIGN_ATTR.AI_FUNCTION_ID]) ?? '';
  let agent = takeString(a, AGENT_KEYS, used);
  let workflow = takeString(a, WORKFLOW_KEYS, used);
  if (functionId !== '' && (agent === '' || workflow === '')) {
    agent ||= functionId;
    workflow ||= functionId;
    used.push(FOREIGN_ATTR.AI_FUNCTION_ID);
  }
  agent ||= meta.agent || agentFromSpanName(s.name, a, kind);
  const user = takeString(a, USER_KEYS, used) || meta.user;
  const autonomyRaw = asString(a[ATTR.AUTONOMY_LEVEL]);
  let autonomy = '';
  if (autonomyRaw !== undefined && AUTONOMY.has(autonomyRaw)) {
    autonomy = autonomyRaw;
    used.push(ATTR.AUTONOMY_LEVEL);
  }

  const cost = spanCost(kind, a, model, ctx.priceBook, used);
  const provider = providerRaw !== '' ? normalizeProvider(providerRaw) : (cost.price?.provider ?? '');

  let confidence = confidenceOf(a[ATTR.CONFIDENCE]);
  if (confidence !== null) used.push(ATTR.CONFIDENCE);
  else {
    confidence = confidenceOf(a[ATTR.EVALUATION_SCORE]);
    if (confidence !== null) used.push(ATTR.EVALUATION_SCORE);
  }

  let toolName = '';
  let toolKey = '';
  let input: string;
  let output: string;
  if (kind === 'tool') {
    toolName = takeString(a, TOOL_NAME_KEYS, used) || toolFromSpanName(s.name, a, kind);
    const tp = toolPayload(a, consumed);
    input = tp.input;
    output = tp.output;
    if (toolName !== '') toolKey = toolCallKey(toolName, tp.canonicalArgs);
  } else {
    input = chatInput(a, s.events, consumed);
    output = chatOutput(a, s.events, consumed);
  }

  // Events: state snapshots, escalations, cap hits, exceptions, evaluation scores.
  let status: SpanStatus = s.statusCode === 2 ? 'error' : s.statusCode === 1 ? 'ok' : 'unset';
  let statusMessage = s.statusMessage;
  let hasEscalation = kind === 'escalation';
  let hasLimitHit = false;
  let stateIndex = -1;
  let state = '';
  const events = s.events;
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as DecodedEvent;
    switch (e.name) {
      case ATTR.EVENT_STATE:
        if (e.attributes[ATTR.STATE_JSON] !== undefined) stateIndex = i;
        break;
      case ATTR.EVENT_ESCALATION:
      case ATTR.EVENT_ESCALATION_DECISION:
        // A decision (SDK `escalate(…, { wait: true })`) flags its step too, so the replay finds it.
        hasEscalation = true;
        break;
      case ATTR.EVENT_LIMIT_EXCEEDED:
        hasLimitHit = true;
        break;
      case 'exception':
        // A span explicitly marked OK handled its exception; otherwise the exception failed it.
        if (s.statusCode !== 1) {
          status = 'error';
          if (statusMessage === '') {
            const type = asString(e.attributes['exception.type']) ?? '';
            const msg = asString(e.attributes['exception.message']) ?? '';
            statusMessage = type !== '' && msg !== '' ? `${type}: ${msg}` : type || msg;
          }
        }
        break;
      case EV_EVALUATION:
        if (confidence === null) confidence = confidenceOf(e.attributes[ATTR.EVALUATION_SCORE]);
        break;
    }
  }
  if (stateIndex >= 0) state = asText((events[stateIndex] as DecodedEvent).attributes[ATTR.STATE_JSON]);
  else if (a[ATTR.STATE_JSON] !== undefined) {
    state = asText(a[ATTR.STATE_JSON]);
    used.push(ATTR.STATE_JSON);
  }

  // What no column took stays in `attributes`.
  const rest: Attributes = {};
  const prefixes = consumed.prefixes;
  for (const k in a) {
    if (used.includes(k)) continue;
    if (prefixes.length > 0 && prefixes.some((p) => k.startsWith(p))) continue;
    setAttr(rest, k, capValue(a[k] as AttrValue));
  }
  if (usageNotReported(kind, a, cost.cost_source)) setAttr(rest, USAGE_REPORTED_ATTR, false);
  let eventsJson = '[]';
  if (events.length > 0) {
    const out: { name: string; time_ns: string; attributes: Attributes }[] = [];
    for (let i = 0; i < events.length; i++) {
      if (consumed.events.includes(i)) continue;
      const e = events[i] as DecodedEvent;
      out.push({
        name: e.name,
        time_ns: e.timeNs.toString(),
        attributes: eventAttrs(e.attributes, i === stateIndex ? ATTR.STATE_JSON : undefined),
      });
    }
    eventsJson = toJson(out);
  }

  return {
    project_id: ctx.projectId,
    session_id: sessionAttr !== '' ? sessionAttr : s.traceId,
    trace_id: s.traceId,
    span_id: s.spanId,
    parent_span_id: parent,
    name: s.name,
    kind,
    agent_name: agent,
    workflow,
    user_id: user,
    service_name: asString(s.resource[ATTR.SERVICE_NAME]) ?? '',
    autonomy_level: autonomy,
    start_time_ns: s.startNs,
    end_time_ns: s.endNs,
    status,
    status_message: capText(statusMessage, MAX_ATTR_VALUE_CHARS),
    model,
    provider,
    input_tokens: cost.input_tokens,
    output_tokens: cost.output_tokens,
    cache_read_tokens: cost.cache_read_tokens,
    cache_write_tokens: cost.cache_write_tokens,
    reasoning_tokens: cost.reasoning_tokens,
    cost_usd: cost.cost_usd,
    cost_source: cost.cost_source,
    confidence,
    tool_name: toolName,
    tool_call_key: toolKey,
    input: capText(input, MAX_PAYLOAD_CHARS),
    output: capText(output, MAX_PAYLOAD_CHARS),
    state: capText(state, MAX_PAYLOAD_CHARS),
    has_escalation: hasEscalation,
    has_limit_hit: hasLimitHit,
    attributes: toJson(rest),
    resource_attributes: resourceText(s.resource),
    events: eventsJson,
  };
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
