/*
 * Simulated model clients: no network, no API key. They answer in the OpenAI Chat Completions
 * and Anthropic Messages response shapes, so the real Cairn wrappers record them exactly as
 * they record the real clients. Token counts follow the usual ~4 characters per token plus the
 * providers' per-message overhead; latency is time-to-first-token plus a per-output-token rate
 * of today's hosted models, scaled by `timeScale` (1 = realistic, 0.1 = ten times faster).
 */
import { seededRandom } from '@cairn/schemas/conventions';

export const tokensOf = (text: string): number => Math.max(1, Math.ceil(text.length / 4));

export interface SimOptions {
  /** 1 = realistic latency; smaller is faster. */
  timeScale: number;
  seed: number;
}

export interface SimReply {
  text?: string;
  toolCalls?: { name: string; args: unknown }[];
  /** Extra hidden tokens a reasoning model spends (billed as output). */
  reasoningTokens?: number;
}

export type Responder = (system: string, lastUser: string) => SimReply;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface ChatParams {
  model: string;
  messages: { role: string; content?: string | null }[];
}

/** An object shaped like `new OpenAI()` for `chat.completions.create` (non-streaming). */
export function createSimOpenAI(respond: Responder, opts: SimOptions) {
  const random = seededRandom(opts.seed);
  let n = 0;
  return {
    chat: {
      completions: {
        async create(params: ChatParams) {
          const system = params.messages
            .filter((m) => m.role === 'system')
            .map((m) => m.content ?? '')
            .join('\n');
          const lastUser = [...params.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
          const reply = respond(system, lastUser);
          const text = reply.text ?? null;
          const toolCalls = (reply.toolCalls ?? []).map((t, i) => ({
            id: `call_sim${++n}${i}`,
            type: 'function' as const,
            function: { name: t.name, arguments: JSON.stringify(t.args) },
          }));
          const prompt = params.messages.reduce((sum, m) => sum + tokensOf(m.content ?? '') + 4, 3);
          const completion =
            tokensOf(text ?? '') +
            toolCalls.reduce((s, t) => s + tokensOf(t.function.arguments) + 8, 0) +
            (reply.reasoningTokens ?? 0);
          // Prompts over 1,024 tokens reuse the provider's prompt cache in 128-token blocks.
          const cached = prompt > 1024 && n > 0 ? Math.floor((prompt * 0.8) / 128) * 128 : 0;
          await sleep((300 + random() * 400 + completion * (10 + random() * 8)) * opts.timeScale);
          return {
            id: `chatcmpl-sim${++n}`,
            object: 'chat.completion',
            created: Math.floor(Date.now() / 1000),
            model: `${params.model}-2025-04-14`,
            choices: [
              {
                index: 0,
                message: {
                  role: 'assistant',
                  content: text,
                  tool_calls: toolCalls.length ? toolCalls : undefined,
                  refusal: null,
                },
                finish_reason: toolCalls.length ? 'tool_calls' : 'stop',
                logprobs: null,
              },
            ],
            usage: {
              prompt_tokens: prompt,
              completion_tokens: completion,
              total_tokens: prompt + completion,
              prompt_tokens_details: { cached_tokens: cached },
              completion_tokens_details: { reasoning_tokens: reply.reasoningTokens ?? 0 },
            },
          };
        },
      },
    },
  };
}

interface MessagesParams {
  model: string;
  max_tokens: number;
  system?: string | { type: 'text'; text: string; cache_control?: { type: 'ephemeral' } }[];
  messages: { role: string; content: string }[];
}

/** An object shaped like `new Anthropic()` for `messages.create`, with prompt caching of the system prompt. */
export function createSimAnthropic(respond: Responder, opts: SimOptions) {
  const random = seededRandom(opts.seed);
  const cache = new Set<string>();
  let n = 0;
  return {
    messages: {
      async create(params: MessagesParams) {
        const blocks =
          typeof params.system === 'string' ? [{ type: 'text' as const, text: params.system }] : (params.system ?? []);
        const system = blocks.map((b) => b.text).join('\n');
        const lastUser = params.messages.at(-1)?.content ?? '';
        const reply = respond(system, lastUser);
        const cachedText = blocks
          .filter((b) => 'cache_control' in b && b.cache_control)
          .map((b) => b.text)
          .join('\n');
        const cacheTokens = cachedText ? tokensOf(cachedText) : 0;
        const hit = cachedText !== '' && cache.has(cachedText);
        if (cachedText) cache.add(cachedText);
        const uncached = tokensOf(system) - cacheTokens + params.messages.reduce((s, m) => s + tokensOf(m.content) + 3, 0) + 10;
        const content: unknown[] = [];
        if (reply.text) content.push({ type: 'text', text: reply.text });
        for (const t of reply.toolCalls ?? [])
          content.push({ type: 'tool_use', id: `toolu_sim${++n}`, name: t.name, input: t.args });
        const output =
          tokensOf(reply.text ?? '') + (reply.toolCalls ?? []).reduce((s, t) => s + tokensOf(JSON.stringify(t.args)) + 12, 0);
        await sleep((400 + random() * 500 + output * (12 + random() * 10)) * opts.timeScale);
        return {
          id: `msg_sim${++n}`,
          type: 'message',
          role: 'assistant',
          model: `${params.model}-20251001`,
          content,
          stop_reason: reply.toolCalls?.length ? 'tool_use' : 'end_turn',
          stop_sequence: null,
          usage: {
            input_tokens: uncached,
            cache_creation_input_tokens: hit ? 0 : cacheTokens,
            cache_read_input_tokens: hit ? cacheTokens : 0,
            output_tokens: output,
          },
        };
      },
    },
  };
}

/** A tool's latency: a network round trip to an internal service. */
export function toolDelay(random: () => number, timeScale: number, base = 40): Promise<void> {
  return sleep((base + random() * base * 2) * timeScale);
}
