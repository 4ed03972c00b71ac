import { ATTR, FOREIGN_ATTR } from '@cairn/schemas';
import type { AttrValue, Attributes, DecodedEvent } from '../otlp/decoded.js';
import { asText, toJson } from './attr-values.js';
import { type CanonMessage, flattenedMessages, messagesFrom, parseMaybeJson, pushMessage, systemText } from './messages.js';

/** What the payload extraction moved into columns, so it leaves `attributes` / `events`. */
export interface Consumed {
  used: string[];
  prefixes: string[];
  events: number[];
}

const EV_OPERATION_DETAILS = 'gen_ai.client.inference.operation.details';
const EV_CONTENT_PROMPT = 'gen_ai.content.prompt';
const EV_CONTENT_COMPLETION = 'gen_ai.content.completion';
const EV_CHOICE = 'gen_ai.choice';
const INPUT_EVENT_ROLES: Record<string, string> = {
  'gen_ai.system.message': 'system',
  'gen_ai.user.message': 'user',
  'gen_ai.assistant.message': 'assistant',
  'gen_ai.tool.message': 'tool',
};
const OI_INPUT_PREFIX = FOREIGN_ATTR.OI_INPUT_MESSAGES_PREFIX;
const OI_OUTPUT_PREFIX = FOREIGN_ATTR.OI_OUTPUT_MESSAGES_PREFIX;
const OLD_PROMPT_PREFIX = `${ATTR.PROMPT_DEPRECATED}.`;
const OLD_COMPLETION_PREFIX = `${ATTR.COMPLETION_DEPRECATED}.`;

function render(msgs: CanonMessage[]): string {
  return toJson(msgs);
}

/** Messages text of a value, or the value as plain text when it is not a messages array. */
function messagesOrText(v: AttrValue | undefined, defaultRole: string): string {
  const m = messagesFrom(v, defaultRole);
  return m === undefined ? asText(v) : render(m);
}

function genAiInput(messages: AttrValue | undefined, system: AttrValue | undefined): string {
  const sys = systemText(system);
  const m = messages === undefined ? [] : messagesFrom(messages);
  if (m === undefined) return asText(messages);
  if (sys !== '') m.unshift({ role: 'system', content: sys });
  return render(m);
}

/** An event's message body: the JSON `gen_ai.event.content` attribute if present, else its attributes. */
function eventBody(attrs: Attributes): Record<string, unknown> {
  const c = attrs['gen_ai.event.content'];
  if (typeof c === 'string') {
    const parsed = parseMaybeJson(c);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  }
  return attrs;
}

function parseObject(v: unknown): unknown {
  return typeof v === 'string' ? (parseMaybeJson(v) ?? v) : v;
}

/** The prompt as text: a canonical messages JSON array when the source has messages. */
export function chatInput(a: Attributes, events: readonly DecodedEvent[], c: Consumed): string {
  const im = a[ATTR.INPUT_MESSAGES];
  const si = a[ATTR.SYSTEM_INSTRUCTIONS];
  if (im !== undefined || si !== undefined) {
    c.used.push(ATTR.INPUT_MESSAGES, ATTR.SYSTEM_INSTRUCTIONS);
    return genAiInput(im, si);
  }
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as DecodedEvent;
    if (e.name === EV_OPERATION_DETAILS && e.attributes[ATTR.INPUT_MESSAGES] !== undefined) {
      c.events.push(i);
      return genAiInput(e.attributes[ATTR.INPUT_MESSAGES], e.attributes[ATTR.SYSTEM_INSTRUCTIONS]);
    }
  }
  const oi = flattenedMessages(a, OI_INPUT_PREFIX);
  if (oi !== undefined) {
    c.prefixes.push(OI_INPUT_PREFIX);
    return render(oi);
  }
  const vm = a[FOREIGN_ATTR.AI_PROMPT_MESSAGES];
  if (vm !== undefined) {
    c.used.push(FOREIGN_ATTR.AI_PROMPT_MESSAGES);
    return messagesOrText(vm, 'user');
  }
  const vp = a[FOREIGN_ATTR.AI_PROMPT];
  if (vp !== undefined) {
    c.used.push(FOREIGN_ATTR.AI_PROMPT);
    return vercelPrompt(vp);
  }
  const old = flattenedMessages(a, OLD_PROMPT_PREFIX);
  if (old !== undefined) {
    c.prefixes.push(OLD_PROMPT_PREFIX);
    return render(old);
  }
  const gp = a[ATTR.PROMPT_DEPRECATED];
  if (gp !== undefined) {
    c.used.push(ATTR.PROMPT_DEPRECATED);
    return messagesOrText(gp, 'user');
  }
  if (events.length > 0) {
    const fromEvents = inputFromEvents(events, c);
    if (fromEvents !== '') return fromEvents;
  }
  const iv = a[FOREIGN_ATTR.OI_INPUT_VALUE];
  if (iv !== undefined) {
    c.used.push(FOREIGN_ATTR.OI_INPUT_VALUE);
    return asText(iv);
  }
  return '';
}

/** Vercel's `ai.prompt`: JSON `{ system?, prompt?, messages? }`. */
function vercelPrompt(v: AttrValue): string {
  const p = parseObject(v);
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return asText(v);
  const o = p as Record<string, unknown>;
  const out: CanonMessage[] = [];
  if (typeof o.system === 'string' && o.system !== '') out.push({ role: 'system', content: o.system });
  if (typeof o.prompt === 'string') out.push({ role: 'user', content: o.prompt });
  else if (Array.isArray(o.prompt)) for (const m of o.prompt) pushMessage(m, out);
  if (Array.isArray(o.messages)) for (const m of o.messages) pushMessage(m, out);
  return render(out);
}

function inputFromEvents(events: readonly DecodedEvent[], c: Consumed): string {
  let out: CanonMessage[] | undefined;
  let text = '';
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as DecodedEvent;
    const role = INPUT_EVENT_ROLES[e.name];
    if (role !== undefined) {
      const body = eventBody(e.attributes);
      pushMessage(
        { ...body, role: typeof body.role === 'string' ? body.role : role, tool_calls: parseObject(body.tool_calls) },
        (out ??= []),
        role,
      );
      c.events.push(i);
    } else if (e.name === EV_CONTENT_PROMPT && out === undefined) {
      text = messagesOrText(e.attributes[ATTR.PROMPT_DEPRECATED], 'user');
      c.events.push(i);
    }
  }
  return out !== undefined ? render(out) : text;
}

/** The response as text: a canonical messages JSON array when the source has messages. */
export function chatOutput(a: Attributes, events: readonly DecodedEvent[], c: Consumed): string {
  const om = a[ATTR.OUTPUT_MESSAGES];
  if (om !== undefined) {
    c.used.push(ATTR.OUTPUT_MESSAGES);
    return messagesOrText(om, 'assistant');
  }
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as DecodedEvent;
    if (e.name === EV_OPERATION_DETAILS && e.attributes[ATTR.OUTPUT_MESSAGES] !== undefined) {
      if (!c.events.includes(i)) c.events.push(i);
      return messagesOrText(e.attributes[ATTR.OUTPUT_MESSAGES], 'assistant');
    }
  }
  const oi = flattenedMessages(a, OI_OUTPUT_PREFIX);
  if (oi !== undefined) {
    c.prefixes.push(OI_OUTPUT_PREFIX);
    return render(oi);
  }
  const text = a[FOREIGN_ATTR.AI_RESPONSE_TEXT];
  const calls = a[FOREIGN_ATTR.AI_RESPONSE_TOOL_CALLS];
  const object = a['ai.response.object'];
  if (text !== undefined || calls !== undefined || object !== undefined) {
    c.used.push(FOREIGN_ATTR.AI_RESPONSE_TEXT, FOREIGN_ATTR.AI_RESPONSE_TOOL_CALLS, 'ai.response.object');
    const out: CanonMessage[] = [];
    const parsedCalls = parseObject(calls);
    pushMessage(
      { role: 'assistant', content: asText(text ?? object), tool_calls: Array.isArray(parsedCalls) ? parsedCalls : undefined },
      out,
    );
    return render(out);
  }
  const old = flattenedMessages(a, OLD_COMPLETION_PREFIX);
  if (old !== undefined) {
    c.prefixes.push(OLD_COMPLETION_PREFIX);
    return render(old);
  }
  const gc = a[ATTR.COMPLETION_DEPRECATED];
  if (gc !== undefined) {
    c.used.push(ATTR.COMPLETION_DEPRECATED);
    return messagesOrText(gc, 'assistant');
  }
  if (events.length > 0) {
    const fromEvents = outputFromEvents(events, c);
    if (fromEvents !== '') return fromEvents;
  }
  const ov = a[FOREIGN_ATTR.OI_OUTPUT_VALUE];
  if (ov !== undefined) {
    c.used.push(FOREIGN_ATTR.OI_OUTPUT_VALUE);
    return asText(ov);
  }
  return '';
}

function outputFromEvents(events: readonly DecodedEvent[], c: Consumed): string {
  let out: CanonMessage[] | undefined;
  let text = '';
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as DecodedEvent;
    if (e.name === EV_CHOICE) {
      const body = eventBody(e.attributes);
      const msg = parseObject(body.message);
      if (typeof msg === 'object' && msg !== null && !Array.isArray(msg)) {
        const m = msg as Record<string, unknown>;
        pushMessage({ ...m, tool_calls: parseObject(m.tool_calls) }, (out ??= []), 'assistant');
      } else {
        pushMessage(
          { role: 'assistant', content: body.content ?? msg, tool_calls: parseObject(body.tool_calls) },
          (out ??= []),
          'assistant',
        );
      }
      c.events.push(i);
    } else if (e.name === EV_CONTENT_COMPLETION && out === undefined) {
      text = messagesOrText(e.attributes[ATTR.COMPLETION_DEPRECATED], 'assistant');
      c.events.push(i);
    }
  }
  return out !== undefined ? render(out) : text;
}

const TOOL_ARG_KEYS = [
  ATTR.TOOL_CALL_ARGUMENTS,
  FOREIGN_ATTR.AI_TOOLCALL_ARGS,
  'ai.toolCall.input',
  FOREIGN_ATTR.OI_INPUT_VALUE,
  FOREIGN_ATTR.OI_TOOL_PARAMETERS,
];
const TOOL_RESULT_KEYS = [
  ATTR.TOOL_CALL_RESULT,
  FOREIGN_ATTR.AI_TOOLCALL_RESULT,
  'ai.toolCall.output',
  FOREIGN_ATTR.OI_OUTPUT_VALUE,
];
/** Arguments up to this size are re-serialized compactly and canonicalized for the call key. */
const MAX_ARGS_PARSE = 64 * 1024;

export interface ToolPayload {
  input: string;
  output: string;
  /** The arguments in a canonical form (sorted keys, no spaces) for the retry-loop key. */
  canonicalArgs: string;
}

function first(a: Attributes, keys: readonly string[], used: string[]): AttrValue | undefined {
  for (const k of keys) {
    const v = a[k];
    if (v !== undefined && v !== null && v !== '') {
      used.push(k);
      return v;
    }
  }
  return undefined;
}

/** Stable JSON: object keys sorted, so equal arguments give equal text whatever their order. */
function stableJson(v: unknown, depth: number): string {
  if (depth > 64 || typeof v !== 'object' || v === null) return toJson(v);
  if (Array.isArray(v)) return `[${v.map((e) => stableJson(e, depth + 1)).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort();
  let s = '{';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    if (i > 0) s += ',';
    s += `${JSON.stringify(k)}:${stableJson(o[k], depth + 1)}`;
  }
  return `${s}}`;
}

/** Tool arguments and result; arguments that are JSON are stored compactly. */
export function toolPayload(a: Attributes, c: Consumed): ToolPayload {
  const argsV = first(a, TOOL_ARG_KEYS, c.used);
  const resultV = first(a, TOOL_RESULT_KEYS, c.used);
  let input = asText(argsV);
  let canonicalArgs = input.trim();
  const parsed = typeof argsV === 'string' ? (input.length <= MAX_ARGS_PARSE ? parseMaybeJson(input) : undefined) : argsV;
  if (parsed !== undefined && parsed !== null && typeof parsed === 'object') {
    input = toJson(parsed);
    canonicalArgs = stableJson(parsed, 0);
  }
  return { input, output: asText(resultV), canonicalArgs };
}

/**
 * Query and result of a GenAI retrieval or memory operation (`gen_ai.retrieval.query.text` /
 * `gen_ai.retrieval.documents`, `gen_ai.memory.query.text` / `gen_ai.memory.records`); '' for a
 * side the span does not record, so the chat sources can fill it.
 */
export function lookupPayload(a: Attributes, memory: boolean, c: Consumed): { input: string; output: string } {
  const qk = memory ? ATTR.MEMORY_QUERY_TEXT : ATTR.RETRIEVAL_QUERY_TEXT;
  const rk = memory ? ATTR.MEMORY_RECORDS : ATTR.RETRIEVAL_DOCUMENTS;
  const q = a[qk];
  const r = a[rk];
  if (q !== undefined) c.used.push(qk);
  if (r !== undefined) c.used.push(rk);
  return { input: asText(q), output: asText(r) };
}
