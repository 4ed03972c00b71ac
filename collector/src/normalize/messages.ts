import type { AttrValue, Attributes } from '../otlp/decoded.js';
import { MAX_PAYLOAD_CHARS, asText, toJson } from './attr-values.js';
import { PART_KINDS } from './message-parts/index.js';

/*
 * The canonical chat message Cairn stores in `input` / `output` (as a JSON array), whatever
 * the instrumentation's own shape was:
 *   { role, content, tool_calls?: [{ id, name, arguments }], tool_call_id?, name?, reasoning? }
 * `content` is the concatenated text parts; non-text parts leave a `[type]` placeholder;
 * `arguments` is JSON text. A tool result becomes its own `{ role: 'tool', tool_call_id }`
 * message, as in OpenAI's format, so the three conventions yield identical text.
 */
export interface CanonToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface CanonMessage {
  role: string;
  content: string;
  tool_calls?: CanonToolCall[];
  tool_call_id?: string;
  name?: string;
  reasoning?: string;
}

type Loose = Record<string, unknown>;

function isObj(v: unknown): v is Loose {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function s(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? String(v) : '';
}

function argText(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : toJson(v);
}

/** A tool result as text; unwraps the Vercel v5 `{ type: 'text' | 'json', value }` envelope. */
function resultText(v: unknown): string {
  if (isObj(v) && 'value' in v && typeof v.type === 'string') return asText(v.value as AttrValue);
  return asText(v as AttrValue);
}

function toolCallOf(p: Loose): CanonToolCall {
  const fn = isObj(p.function) ? p.function : undefined;
  return {
    id: s(p.id ?? p.toolCallId ?? p.call_id),
    name: s(fn?.name ?? p.name ?? p.toolName),
    arguments: argText(fn?.arguments ?? p.arguments ?? p.args ?? p.input),
  };
}

function build(
  role: string,
  content: string,
  toolCalls: CanonToolCall[] | undefined,
  toolCallId: string,
  name: string,
  reasoning: string,
): CanonMessage {
  const m: CanonMessage = { role, content };
  if (toolCalls !== undefined && toolCalls.length > 0) m.tool_calls = toolCalls;
  if (toolCallId !== '') m.tool_call_id = toolCallId;
  if (name !== '') m.name = name;
  if (reasoning !== '') m.reasoning = reasoning;
  return m;
}

/**
 * Appends the canonical form of one message in any known shape: a string, `{ role, content }`,
 * a parts array (GenAI, OpenAI Responses, Anthropic, Vercel: the part types are tables in
 * message-parts/), and OpenAI Chat Completions' message-level `tool_calls`.
 */
export function pushMessage(raw: unknown, out: CanonMessage[], defaultRole = 'user'): void {
  if (typeof raw === 'string') {
    out.push({ role: defaultRole, content: raw });
    return;
  }
  if (!isObj(raw)) return;
  const role = s(raw.role) || defaultRole;
  let content = '';
  let reasoning = '';
  let toolCalls: CanonToolCall[] | undefined;
  let responses: { id: string; content: string }[] | undefined;
  const parts = Array.isArray(raw.parts) ? raw.parts : Array.isArray(raw.content) ? raw.content : undefined;
  if (typeof raw.content === 'string') content = raw.content;
  else if (isObj(raw.content)) content = toJson(raw.content);
  if (parts !== undefined) {
    for (const p of parts) {
      if (typeof p === 'string') {
        content += p;
        continue;
      }
      if (!isObj(p)) continue;
      const type = s(p.type);
      // The part's kind by its vendor's type name (message-parts/*.ts).
      switch (PART_KINDS.get(type)) {
        case 'text':
          content += s(p.content ?? p.text);
          break;
        case 'reasoning':
          reasoning += s(p.content ?? p.text ?? p.thinking);
          break;
        case 'tool_call':
          (toolCalls ??= []).push(toolCallOf(p));
          break;
        case 'tool_result':
          (responses ??= []).push({
            id: s(p.id ?? p.toolCallId ?? p.tool_use_id ?? p.call_id),
            content: resultText(p.response ?? p.result ?? p.output ?? p.content),
          });
          break;
        default:
          if (type === '' && typeof p.text === 'string') content += p.text;
          else content += `[${type || 'part'}]`;
      }
    }
  }
  if (Array.isArray(raw.tool_calls)) {
    for (const tc of raw.tool_calls) if (isObj(tc)) (toolCalls ??= []).push(toolCallOf(tc));
  }
  const name = s(raw.name);
  if (responses === undefined) {
    const tcid = s(raw.tool_call_id ?? raw.toolCallId ?? (role === 'tool' ? raw.id : undefined));
    out.push(build(role, content, toolCalls, tcid, name, reasoning));
    return;
  }
  if (content !== '' || toolCalls !== undefined || reasoning !== '')
    out.push(build(role, content, toolCalls, '', name, reasoning));
  for (const r of responses) out.push(build('tool', r.content, undefined, r.id, '', ''));
}

/** JSON text → value, only for text that may hold JSON and is not too large to parse. */
export function parseMaybeJson(text: string): unknown {
  if (text.length > MAX_PAYLOAD_CHARS) return undefined;
  let i = 0;
  while (i < text.length && text.charCodeAt(i) <= 32) i++;
  const c = text.charCodeAt(i);
  if (c !== 91 /* [ */ && c !== 123 /* { */) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A messages array (JSON text or structured value) in canonical form; undefined if it is not one. */
export function messagesFrom(v: AttrValue | undefined, defaultRole = 'user'): CanonMessage[] | undefined {
  const arr = typeof v === 'string' ? parseMaybeJson(v) : v;
  if (!Array.isArray(arr)) return undefined;
  const out: CanonMessage[] = [];
  for (const m of arr) pushMessage(m, out, defaultRole);
  return out;
}

/** Text of GenAI `system_instructions` (a parts array, as JSON or structured) or plain text. */
export function systemText(v: AttrValue | undefined): string {
  if (v === undefined || v === null) return '';
  const parsed = typeof v === 'string' ? parseMaybeJson(v) : v;
  if (Array.isArray(parsed)) {
    const tmp: CanonMessage[] = [];
    pushMessage({ role: 'system', parts: parsed }, tmp);
    return tmp[0]?.content ?? '';
  }
  return typeof v === 'string' ? v : toJson(v);
}

const MAX_FLAT_INDEX = 10_000;

/** Parses `<n>.<rest>` at `from`; returns [n, restStart] or undefined. */
function indexAt(k: string, from: number): [number, number] | undefined {
  let i = from;
  let n = 0;
  while (i < k.length) {
    const c = k.charCodeAt(i);
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
    i++;
  }
  if (i === from || k.charCodeAt(i) !== 46 || n >= MAX_FLAT_INDEX) return undefined;
  return [n, i + 1];
}

function stripPrefix(k: string, p: string): string {
  return k.startsWith(p) ? k.slice(p.length) : k;
}

/**
 * Rebuilds messages from flattened attributes: OpenInference `llm.input_messages.<i>.message.*`
 * (with `contents.<j>.message_content.*` and `tool_calls.<j>.tool_call.function.*`) and the
 * older OpenLLMetry `gen_ai.prompt.<i>.role/content`. Undefined when no key has the prefix.
 */
export function flattenedMessages(a: Attributes, prefix: string): CanonMessage[] | undefined {
  let rows: Loose[] | undefined;
  for (const k in a) {
    if (!k.startsWith(prefix)) continue;
    const at = indexAt(k, prefix.length);
    if (at === undefined) continue;
    rows ??= [];
    const row = (rows[at[0]] ??= { parts: [] as Loose[], tool_calls: [] as Loose[] });
    const sub = stripPrefix(k.slice(at[1]), 'message.');
    if (sub === '__proto__') continue;
    const v = a[k];
    const nested = sub.startsWith('contents.') ? 'parts' : sub.startsWith('tool_calls.') ? 'tool_calls' : '';
    if (nested === '') {
      row[sub] = v;
      continue;
    }
    const inner = indexAt(sub, nested === 'parts' ? 9 : 11);
    if (inner === undefined) continue;
    const list = row[nested] as Loose[];
    const item = (list[inner[0]] ??= {});
    let field = stripPrefix(stripPrefix(sub.slice(inner[1]), 'message_content.'), 'tool_call.');
    if (field.startsWith('function.')) field = field.slice(9);
    if (field === 'image.image.url' || field === 'image.url') field = 'url';
    item[field] = v;
  }
  if (rows === undefined) return undefined;
  const out: CanonMessage[] = [];
  for (const row of rows) {
    if (row === undefined) continue;
    const parts = (row.parts as (Loose | undefined)[]).filter((p): p is Loose => p !== undefined);
    const calls = (row.tool_calls as (Loose | undefined)[]).filter((p): p is Loose => p !== undefined);
    pushMessage(
      {
        role: row.role,
        content: typeof row.content === 'string' ? row.content : undefined,
        parts:
          parts.length > 0
            ? parts.map((p) => (p.type === undefined && p.text !== undefined ? { type: 'text', text: p.text } : p))
            : undefined,
        tool_calls: calls,
        tool_call_id: row.tool_call_id,
        name: row.name,
      },
      out,
    );
  }
  return out;
}
