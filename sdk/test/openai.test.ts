import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { session, shutdown, wrapOpenAI } from '../src/index.js';
import type { Memory } from './helpers.js';
import { initMemory, kindOf } from './helpers.js';
import { startProviderServer } from './fixtures/provider-server.js';

let mem: Memory;
let provider: Awaited<ReturnType<typeof startProviderServer>>;
let openai: OpenAI;

beforeAll(async () => {
  mem = initMemory();
  provider = await startProviderServer();
  openai = wrapOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: `${provider.base}/v1`, maxRetries: 0 }));
});
afterAll(async () => {
  await provider.close();
  await shutdown();
});

async function llmSpans(id: string): Promise<ReadableSpan[]> {
  return (await mem.spans()).filter((s) => s.attributes['gen_ai.conversation.id'] === id && kindOf(s) === 'llm');
}
const json = (s: ReadableSpan, k: string): unknown => JSON.parse(String(s.attributes[k]));

// USD per million tokens from the shared price table
const MINI = { input: 0.15, cacheRead: 0.075, output: 0.6 };
const O4 = { input: 1.1, cacheRead: 0.275, output: 4.4 };

describe('wrapOpenAI with the real openai package', () => {
  it('chat.completions.create: model, messages, tool calls, tokens with cache, cost', async () => {
    const res = await session({ id: 'oa-chat', agent: 'support' }, () =>
      openai.chat.completions.create({
        model: 'gpt-4o-mini',
        temperature: 0.2,
        messages: [
          { role: 'system', content: 'You help with orders.' },
          { role: 'user', content: 'Where is order A-1042?' },
        ],
        tools: [
          {
            type: 'function',
            function: { name: 'lookup_order', parameters: { type: 'object', properties: { order_id: { type: 'string' } } } },
          },
        ],
      }),
    );
    // the application gets the provider's answer untouched
    expect(res.choices[0]?.message.tool_calls?.[0]).toMatchObject({ function: { name: 'lookup_order' } });
    expect(provider.requests.at(-1)?.body).toMatchObject({ model: 'gpt-4o-mini', temperature: 0.2 });
    const [span] = await llmSpans('oa-chat');
    expect(span).toBeDefined();
    expect(span!.name).toBe('chat gpt-4o-mini');
    expect(span!.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.response.id': 'chatcmpl-BQx9kQ2f3GQm7uVYb1f7x8RrJZs1a',
      'gen_ai.request.temperature': 0.2,
      'gen_ai.usage.input_tokens': 1317,
      'gen_ai.usage.output_tokens': 21,
      'gen_ai.usage.cache_read.input_tokens': 1152,
      'gen_ai.response.finish_reasons': ['tool_calls'],
    });
    const cost = ((1317 - 1152) * MINI.input + 1152 * MINI.cacheRead + 21 * MINI.output) / 1e6;
    expect(span!.attributes['cairn.cost.usd']).toBeCloseTo(cost, 12);
    expect(json(span!, 'gen_ai.input.messages')).toEqual([
      { role: 'system', parts: [{ type: 'text', content: 'You help with orders.' }] },
      { role: 'user', parts: [{ type: 'text', content: 'Where is order A-1042?' }] },
    ]);
    expect(json(span!, 'gen_ai.output.messages')).toEqual([
      {
        role: 'assistant',
        finish_reason: 'tool_calls',
        parts: [
          { type: 'tool_call', id: 'call_q4SGN1TzVwB1mMKc6xxYIh3C', name: 'lookup_order', arguments: '{"order_id":"A-1042"}' },
        ],
      },
    ]);
  });

  it('keeps the APIPromise helpers (withResponse)', async () => {
    const { data, response } = await session({ id: 'oa-with-response', agent: 'a' }, () =>
      openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).withResponse(),
    );
    expect(response.status).toBe(200);
    expect(data.usage?.prompt_tokens).toBe(1317);
    expect(await llmSpans('oa-with-response')).toHaveLength(1);
  });

  it('streaming chat completions: text assembled from chunks, usage from the last chunk', async () => {
    const got: string[] = [];
    await session({ id: 'oa-stream', agent: 'support' }, async () => {
      const stream = await openai.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Status?' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      for await (const chunk of stream) got.push(chunk.choices[0]?.delta.content ?? '');
    });
    expect(got.join('')).toBe('Your order A-1042 shipped on Monday.');
    const [span] = await llmSpans('oa-stream');
    expect(span!.attributes).toMatchObject({
      'gen_ai.usage.input_tokens': 1402,
      'gen_ai.usage.output_tokens': 9,
      'gen_ai.usage.cache_read.input_tokens': 1280,
      'gen_ai.request.stream': true,
    });
    expect(span!.attributes['cairn.cost.usd']).toBeCloseTo(
      (122 * MINI.input + 1280 * MINI.cacheRead + 9 * MINI.output) / 1e6,
      12,
    );
    expect(json(span!, 'gen_ai.output.messages')).toEqual([
      { role: 'assistant', finish_reason: 'stop', parts: [{ type: 'text', content: 'Your order A-1042 shipped on Monday.' }] },
    ]);
  });

  it('streamUsage asks for usage on streams; the .stream() helper is recorded once', async () => {
    const client = wrapOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: `${provider.base}/v1`, maxRetries: 0 }), {
      streamUsage: true,
    });
    const final = await session({ id: 'oa-helper', agent: 'support' }, async () => {
      const runner = client.chat.completions.stream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Status?' }] });
      return runner.finalChatCompletion();
    });
    expect(final.choices[0]?.message.content).toBe('Your order A-1042 shipped on Monday.');
    expect(provider.requests.at(-1)?.body.stream_options).toEqual({ include_usage: true });
    const spans = await llmSpans('oa-helper');
    expect(spans).toHaveLength(1);
    expect(spans[0]!.attributes['gen_ai.usage.output_tokens']).toBe(9);
  });

  it('responses.create, plain and streamed: reasoning tokens, cached input, instructions', async () => {
    const out = await session({ id: 'oa-responses', agent: 'support' }, async () => {
      const plain = await openai.responses.create({
        model: 'o4-mini',
        instructions: 'You are a terse support agent.',
        input: 'How fast are refunds?',
      });
      const stream = await openai.responses.create({
        model: 'o4-mini',
        input: [{ role: 'user', content: 'How fast are refunds?' }],
        stream: true,
      });
      let text = '';
      for await (const ev of stream) if (ev.type === 'response.output_text.delta') text += ev.delta;
      return [plain.output_text, text];
    });
    expect(out).toEqual(['Refunds are issued within 5 business days.', 'Refunds are issued within 5 business days.']);
    const spans = await llmSpans('oa-responses');
    expect(spans).toHaveLength(2);
    const cost = ((1890 - 1536) * O4.input + 1536 * O4.cacheRead + 412 * O4.output) / 1e6;
    for (const s of spans) {
      expect(s.attributes).toMatchObject({
        'gen_ai.response.model': 'o4-mini-2025-04-16',
        'gen_ai.usage.input_tokens': 1890,
        'gen_ai.usage.cache_read.input_tokens': 1536,
        'gen_ai.usage.output_tokens': 412,
        'gen_ai.usage.reasoning.output_tokens': 384,
      });
      expect(s.attributes['cairn.cost.usd']).toBeCloseTo(cost, 12);
      expect(json(s, 'gen_ai.output.messages')).toEqual([
        {
          role: 'assistant',
          finish_reason: 'stop',
          parts: [{ type: 'text', content: 'Refunds are issued within 5 business days.' }],
        },
      ]);
    }
    expect(spans[0]!.attributes['gen_ai.system_instructions']).toContain('terse support agent');
  });

  it('a provider error fails the LLM span with the error and an exception event', async () => {
    provider.failNextWith(500);
    await expect(
      session({ id: 'oa-error', agent: 'a' }, () =>
        openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      ),
    ).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    const [span] = await llmSpans('oa-error');
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    expect(span!.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('the cost cap stops the run at the call that crosses it', async () => {
    const before = provider.requests.length;
    // each call costs $0.00012375; the third crosses $0.0003
    const err = await session({ id: 'oa-cap', agent: 'a', caps: { maxCostUsd: 0.0003 } }, async () => {
      for (let i = 0; i < 10; i++)
        await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'again' }] });
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CAIRN_LIMIT_EXCEEDED', kind: 'cost' });
    expect(provider.requests.length - before).toBe(3);
    const spans = await llmSpans('oa-cap');
    expect(spans).toHaveLength(3);
    expect(spans[2]!.events.map((e) => e.name)).toEqual(['cairn.limit.exceeded', 'exception']);
  });
});
