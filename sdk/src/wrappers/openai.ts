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

function requestAttrs(p: O, maxKey: string): Attributes {
  const a: Attributes = {};
  if (typeof p.temperature === 'number') a['gen_ai.request.temperature'] = p.temperature;
  if (typeof p.top_p === 'number') a['gen_ai.request.top_p'] = p.top_p;
  if (typeof p[maxKey] === 'number') a['gen_ai.request.max_tokens'] = p[maxKey] as number;
  if (p.stream === true) a['gen_ai.request.stream'] = true;
  return a;
}

function contentParts(content: unknown): Part[] {
  if (typeof content === 'string') return [{ type: 'text', content }];
  if (!Array.isArray(content)) return [];
  return content.map((c): Part => {
    const o = obj(c);
    const text = str(o.text) ?? str(o.refusal);
    if (text !== undefined) return { type: 'text', content: text };
    return { type: str(o.type) ?? 'unknown' };
  });
}

function toolCallPart(tc: unknown): Part {
  const o = obj(tc);
  const fn = obj(o.function);
  return {
    type: 'tool_call',
    id: str(o.id) ?? str(o.call_id) ?? '',
    name: str(fn.name) ?? str(o.name) ?? '',
    arguments: str(fn.arguments) ?? str(o.arguments) ?? '',
  };
}

/** Chat Completions messages → GenAI messages. */
export function chatMessages(messages: unknown): GenAiMessage[] {
  if (!Array.isArray(messages)) return [];
  return messages.map((m): GenAiMessage => {
    const o = obj(m);
    const role = str(o.role) === 'developer' ? 'system' : (str(o.role) ?? 'user');
    if (role === 'tool')
      return {
        role,
        parts: [
          {
            type: 'tool_call_response',
            id: str(o.tool_call_id) ?? '',
            response: typeof o.content === 'string' ? o.content : JSON.stringify(o.content),
          },
        ],
      };
    const parts = contentParts(o.content);
    if (Array.isArray(o.tool_calls)) for (const tc of o.tool_calls) parts.push(toolCallPart(tc));
    return { role, parts };
  });
}

function chatUsage(u: unknown): LlmUsage | undefined {
  if (u === undefined || u === null) return undefined;
  const o = obj(u);
  return {
    inputTokens: num(o.prompt_tokens),
    outputTokens: num(o.completion_tokens),
    cacheReadTokens: num(obj(o.prompt_tokens_details).cached_tokens),
    reasoningTokens: num(obj(o.completion_tokens_details).reasoning_tokens),
  };
}

const chatAdapter = (opts: WrapOptions): Adapter<O, O, O> => ({
  request: (p) => ({
    model: String(p.model),
    provider: 'openai',
    input: chatMessages(p.messages),
    attributes: requestAttrs(p, p.max_completion_tokens !== undefined ? 'max_completion_tokens' : 'max_tokens'),
  }),
  prepare: (p) =>
    opts.streamUsage && p.stream === true && p.stream_options === undefined
      ? { ...p, stream_options: { include_usage: true } }
      : p,
  result: (data) => {
    const choices = Array.isArray(data.choices) ? data.choices.map(obj) : [];
    return {
      responseModel: str(data.model),
      responseId: str(data.id),
      usage: chatUsage(data.usage),
      finishReasons: choices.map((c) => str(c.finish_reason) ?? ''),
      output: choices.map((c): GenAiMessage => {
        const msg = obj(c.message);
        const parts = contentParts(msg.content);
        if (Array.isArray(msg.tool_calls)) for (const tc of msg.tool_calls) parts.push(toolCallPart(tc));
        return { role: 'assistant', parts, finish_reason: str(c.finish_reason) ?? '' };
      }),
    };
  },
  accumulator: (): Accumulator<O> => {
    const choices = new Map<
      number,
      { text: string; finish: string; tools: Map<number, { id: string; name: string; args: string }> }
    >();
    let model: string | undefined;
    let id: string | undefined;
    let usage: LlmUsage | undefined;
    return {
      add(chunk) {
        model ??= str(chunk.model);
        id ??= str(chunk.id);
        if (chunk.usage) usage = chatUsage(chunk.usage);
        if (!Array.isArray(chunk.choices)) return;
        for (const ch of chunk.choices.map(obj)) {
          const idx = num(ch.index);
          let c = choices.get(idx);
          if (c === undefined) choices.set(idx, (c = { text: '', finish: '', tools: new Map() }));
          const d = obj(ch.delta);
          if (typeof d.content === 'string') c.text += d.content;
          if (typeof ch.finish_reason === 'string') c.finish = ch.finish_reason;
          if (Array.isArray(d.tool_calls)) {
            for (const tc of d.tool_calls.map(obj)) {
              const ti = num(tc.index);
              let t = c.tools.get(ti);
              if (t === undefined) c.tools.set(ti, (t = { id: '', name: '', args: '' }));
              const fn = obj(tc.function);
              if (typeof tc.id === 'string') t.id = tc.id;
              if (typeof fn.name === 'string') t.name += fn.name;
              if (typeof fn.arguments === 'string') t.args += fn.arguments;
            }
          }
        }
      },
      result() {
        const list = [...choices.entries()].sort((a, b) => a[0] - b[0]).map(([, c]) => c);
        return {
          responseModel: model,
          responseId: id,
          ...(usage ? { usage } : {}),
          finishReasons: list.map((c) => c.finish),
          output: list.map((c): GenAiMessage => {
            const parts: Part[] = c.text !== '' ? [{ type: 'text', content: c.text }] : [];
            for (const t of c.tools.values()) parts.push({ type: 'tool_call', id: t.id, name: t.name, arguments: t.args });
            return { role: 'assistant', parts, finish_reason: c.finish };
          }),
        };
      },
    };
  },
});

/** Responses API input (string or items) → GenAI messages. */
function responsesInput(input: unknown): GenAiMessage[] {
  if (typeof input === 'string') return [{ role: 'user', parts: [{ type: 'text', content: input }] }];
  if (!Array.isArray(input)) return [];
  const out: GenAiMessage[] = [];
  for (const item of input.map(obj)) {
    const type = str(item.type);
    if (type === 'function_call') out.push({ role: 'assistant', parts: [toolCallPart(item)] });
    else if (type === 'function_call_output')
      out.push({
        role: 'tool',
        parts: [
          { type: 'tool_call_response', id: str(item.call_id) ?? '', response: str(item.output) ?? JSON.stringify(item.output) },
        ],
      });
    else if (item.role !== undefined)
      out.push({
        role: str(item.role) === 'developer' ? 'system' : (str(item.role) ?? 'user'),
        parts: contentParts(item.content),
      });
  }
  return out;
}

function responsesResult(r: O): LlmResult {
  const u = r.usage === undefined || r.usage === null ? undefined : obj(r.usage);
  const parts: Part[] = [];
  for (const item of (Array.isArray(r.output) ? r.output : []).map(obj)) {
    if (item.type === 'message') parts.push(...contentParts(item.content));
    else if (item.type === 'function_call') parts.push(toolCallPart(item));
    else if (item.type === 'reasoning' && Array.isArray(item.summary)) {
      for (const s of item.summary.map(obj)) if (typeof s.text === 'string') parts.push({ type: 'reasoning', content: s.text });
    }
  }
  const finish =
    str(r.status) === 'incomplete'
      ? (str(obj(r.incomplete_details).reason) ?? 'incomplete')
      : parts.some((p) => p.type === 'tool_call')
        ? 'tool_call'
        : 'stop';
  return {
    responseModel: str(r.model),
    responseId: str(r.id),
    ...(u
      ? {
          usage: {
            inputTokens: num(u.input_tokens),
            outputTokens: num(u.output_tokens),
            cacheReadTokens: num(obj(u.input_tokens_details).cached_tokens),
            reasoningTokens: num(obj(u.output_tokens_details).reasoning_tokens),
          },
        }
      : {}),
    finishReasons: [finish],
    output: [{ role: 'assistant', parts, finish_reason: finish }],
  };
}

const responsesAdapter: Adapter<O, O, O> = {
  request: (p) => ({
    model: String(p.model),
    provider: 'openai',
    input: responsesInput(p.input),
    ...(typeof p.instructions === 'string' ? { system: p.instructions } : {}),
    attributes: requestAttrs(p, 'max_output_tokens'),
  }),
  result: responsesResult,
  accumulator: () => {
    let final: O | undefined;
    let text = '';
    let model: string | undefined;
    return {
      add(ev) {
        const t = str(ev.type);
        if (t === 'response.output_text.delta' && typeof ev.delta === 'string') text += ev.delta;
        else if (t === 'response.created') model = str(obj(ev.response).model);
        else if (t === 'response.completed' || t === 'response.incomplete' || t === 'response.failed') final = obj(ev.response);
      },
      result: () =>
        final !== undefined
          ? responsesResult(final)
          : { responseModel: model, output: [{ role: 'assistant', parts: [{ type: 'text', content: text }] }] },
    };
  },
};

/**
 * Records every `chat.completions.create` and `responses.create` call of an `openai` client
 * (streaming included, and the `.stream()`/`.parse()` helpers built on them) as an LLM span
 * with model, messages, output, tool calls, usage (cached and reasoning tokens) and cost.
 * Patches the client instance in place and returns it.
 */
export function wrapOpenAI<T extends object>(client: T, opts: WrapOptions = {}): T {
  const c = client as unknown as { chat?: { completions?: Record<string, unknown> }; responses?: Record<string, unknown> };
  instrumentMethod(c.chat?.completions, 'create', chatAdapter(opts), (p: O) => p.stream === true);
  instrumentMethod(c.responses, 'create', responsesAdapter, (p: O) => p.stream === true);
  return client;
}
