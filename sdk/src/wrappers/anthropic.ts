import type { Attributes } from '@opentelemetry/api';
import type { GenAiMessage, LlmResult } from '../llm.js';
import type { LlmUsage } from '../run-state.js';
import { instrumentMethod } from './call.js';
import type { Accumulator, Adapter, WrapOptions } from './call.js';

type O = Record<string, unknown>;
type Part = GenAiMessage['parts'][number];

const obj = (v: unknown): O => (typeof v === 'object' && v !== null ? (v as O) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

function blockPart(b: O): Part {
  switch (b.type) {
    case 'text':
      return { type: 'text', content: str(b.text) ?? '' };
    case 'tool_use':
    case 'server_tool_use':
      return {
        type: 'tool_call',
        id: str(b.id) ?? '',
        name: str(b.name) ?? '',
        arguments: typeof b.input === 'string' ? b.input : JSON.stringify(b.input ?? {}),
      };
    case 'tool_result': {
      const c = b.content;
      const response =
        typeof c === 'string' ? c : Array.isArray(c) ? c.map((x) => str(obj(x).text) ?? '').join('') : JSON.stringify(c ?? '');
      return { type: 'tool_call_response', id: str(b.tool_use_id) ?? '', response };
    }
    case 'thinking':
      return { type: 'reasoning', content: str(b.thinking) ?? '' };
    default:
      return { type: str(b.type) ?? 'unknown' };
  }
}

function blocks(content: unknown): Part[] {
  if (typeof content === 'string') return [{ type: 'text', content }];
  return Array.isArray(content) ? content.map((b) => blockPart(obj(b))) : [];
}

function systemText(system: unknown): string | undefined {
  if (typeof system === 'string') return system;
  if (Array.isArray(system)) return system.map((b) => str(obj(b).text) ?? '').join('\n');
  return undefined;
}

/**
 * Anthropic reports `input_tokens` without the cached ones; OpenTelemetry (and Cairn's price
 * table) count them in, so cache reads and writes are added back here.
 */
function usageOf(u: O): LlmUsage {
  const cacheRead = num(u.cache_read_input_tokens);
  const cacheWrite = num(u.cache_creation_input_tokens);
  return {
    inputTokens: num(u.input_tokens) + cacheRead + cacheWrite,
    outputTokens: num(u.output_tokens),
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
  };
}

function resultOf(m: O): LlmResult {
  const stop = str(m.stop_reason) ?? '';
  return {
    responseModel: str(m.model),
    responseId: str(m.id),
    ...(m.usage ? { usage: usageOf(obj(m.usage)) } : {}),
    finishReasons: [stop],
    output: [{ role: 'assistant', parts: blocks(m.content), finish_reason: stop }],
  };
}

function requestAttrs(p: O): Attributes {
  const a: Attributes = {};
  if (typeof p.max_tokens === 'number') a['gen_ai.request.max_tokens'] = p.max_tokens;
  if (typeof p.temperature === 'number') a['gen_ai.request.temperature'] = p.temperature;
  if (p.stream === true) a['gen_ai.request.stream'] = true;
  return a;
}

const messagesAdapter: Adapter<O, O, O> = {
  request: (p) => {
    const system = systemText(p.system);
    return {
      model: String(p.model),
      provider: 'anthropic',
      input: (Array.isArray(p.messages) ? p.messages.map(obj) : []).map((m): GenAiMessage => ({
        role: str(m.role) ?? 'user',
        parts: blocks(m.content),
      })),
      ...(system !== undefined ? { system } : {}),
      attributes: requestAttrs(p),
    };
  },
  result: resultOf,
  accumulator: (): Accumulator<O> => {
    // Rebuilds the message from the event stream (message_start, content_block_*, message_delta).
    let msg: O = {};
    const content: O[] = [];
    const partialJson = new Map<number, string>();
    let usage: O = {};
    return {
      add(ev) {
        switch (ev.type) {
          case 'message_start':
            msg = { ...obj(ev.message) };
            usage = { ...obj(msg.usage) };
            break;
          case 'content_block_start':
            content[num(ev.index)] = { ...obj(ev.content_block) };
            break;
          case 'content_block_delta': {
            const i = num(ev.index);
            const b = (content[i] ??= { type: 'text', text: '' });
            const d = obj(ev.delta);
            if (d.type === 'text_delta') b.text = (str(b.text) ?? '') + (str(d.text) ?? '');
            else if (d.type === 'thinking_delta') b.thinking = (str(b.thinking) ?? '') + (str(d.thinking) ?? '');
            else if (d.type === 'input_json_delta') partialJson.set(i, (partialJson.get(i) ?? '') + (str(d.partial_json) ?? ''));
            break;
          }
          case 'content_block_stop': {
            const i = num(ev.index);
            const json = partialJson.get(i);
            const b = content[i];
            if (json !== undefined && b !== undefined) b.input = json;
            break;
          }
          case 'message_delta': {
            const d = obj(ev.delta);
            if (d.stop_reason !== undefined) msg.stop_reason = d.stop_reason;
            // message_delta carries cumulative counts: newer ones replace those from message_start.
            for (const [k, v] of Object.entries(obj(ev.usage))) if (typeof v === 'number') usage[k] = v;
            break;
          }
        }
      },
      result: () => resultOf({ ...msg, content: content.filter((b) => b !== undefined), usage }),
    };
  },
};

/**
 * Records every `messages.create` call of an `@anthropic-ai/sdk` client (streaming included,
 * and `messages.stream()`, which is built on it) as an LLM span with model, messages, output,
 * tool use, usage with cache tokens, and cost. Patches the client in place and returns it.
 */
export function wrapAnthropic<T extends object>(client: T, _opts: WrapOptions = {}): T {
  const c = client as unknown as { messages?: Record<string, unknown> };
  instrumentMethod(c.messages, 'create', messagesAdapter, (p: O) => p.stream === true);
  return client;
}
