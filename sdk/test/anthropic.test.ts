import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { session, shutdown, wrapAnthropic } from '../src/index.js';
import type { Memory } from './helpers.js';
import { initMemory, kindOf } from './helpers.js';
import { startProviderServer } from './fixtures/provider-server.js';

let mem: Memory;
let provider: Awaited<ReturnType<typeof startProviderServer>>;
let anthropic: Anthropic;

beforeAll(async () => {
  mem = initMemory();
  provider = await startProviderServer();
  anthropic = wrapAnthropic(new Anthropic({ apiKey: 'sk-ant-test', baseURL: provider.base, maxRetries: 0 }));
});
afterAll(async () => {
  await provider.close();
  await shutdown();
});

async function spansOf(id: string): Promise<ReadableSpan[]> {
  return (await mem.spans()).filter((s) => s.attributes['gen_ai.conversation.id'] === id || s.parentSpanContext !== undefined);
}
const json = (s: ReadableSpan, k: string): unknown => JSON.parse(String(s.attributes[k]));
// claude-opus-4-5, USD per million: input 5, output 25, cache read 0.50, cache write 6.25
const OPUS = { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 };

describe('wrapAnthropic with the real @anthropic-ai/sdk package', () => {
  it('messages.create: system, messages, output, cache tokens added back into input tokens, cost', async () => {
    const msg = await session({ id: 'an-plain', agent: 'support' }, () =>
      anthropic.messages.create({
        model: 'claude-opus-4-5',
        max_tokens: 1024,
        system: [{ type: 'text', text: 'Refund policy: 30 days.', cache_control: { type: 'ephemeral' } }],
        messages: [{ role: 'user', content: 'Refund order A-1042?' }],
      }),
    );
    expect(msg.content[0]).toMatchObject({ type: 'text', text: 'Your refund for order A-1042 was approved.' });
    const spans = (await spansOf('an-plain')).filter((s) => s.attributes['gen_ai.conversation.id'] === 'an-plain');
    const llm = spans.filter((s) => kindOf(s) === 'llm');
    expect(llm).toHaveLength(1);
    const s = llm[0]!;
    expect(s.name).toBe('chat claude-opus-4-5');
    expect(s.attributes).toMatchObject({
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-opus-4-5',
      'gen_ai.response.model': 'claude-opus-4-5-20251101',
      'gen_ai.request.max_tokens': 1024,
      // Anthropic's 38 uncached + 4,096 cache reads: OpenTelemetry counts cached tokens as input
      'gen_ai.usage.input_tokens': 38 + 4096,
      'gen_ai.usage.cache_read.input_tokens': 4096,
      'gen_ai.usage.output_tokens': 17,
      'gen_ai.response.finish_reasons': ['end_turn'],
    });
    expect(s.attributes['cairn.cost.usd']).toBeCloseTo((38 * OPUS.input + 4096 * OPUS.cacheRead + 17 * OPUS.output) / 1e6, 12);
    expect(s.attributes['gen_ai.system_instructions']).toBe(
      JSON.stringify([{ type: 'text', content: 'Refund policy: 30 days.' }]),
    );
    expect(json(s, 'gen_ai.input.messages')).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Refund order A-1042?' }] },
    ]);
    expect(json(s, 'gen_ai.output.messages')).toEqual([
      {
        role: 'assistant',
        finish_reason: 'end_turn',
        parts: [{ type: 'text', content: 'Your refund for order A-1042 was approved.' }],
      },
    ]);
  });

  it("the client's own OpenTelemetry span is suppressed, so the call is recorded (and priced) once", async () => {
    await session({ id: 'an-once', agent: 'support' }, () =>
      anthropic.messages.create({ model: 'claude-opus-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
    );
    const all = await mem.spans();
    expect(all.filter((s) => s.name.startsWith('anthropic.'))).toEqual([]);
    // and a client that is not wrapped does emit it: the suppression is what removes it
    const bare = new Anthropic({ apiKey: 'sk-ant-test', baseURL: provider.base, maxRetries: 0 });
    await bare.messages.create({ model: 'claude-opus-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    expect((await mem.spans()).filter((s) => s.name === 'anthropic.messages.create')).toHaveLength(1);
  });

  it('streamed messages.create: text and tool_use input assembled, usage from message_start + message_delta', async () => {
    const events: string[] = [];
    await session({ id: 'an-stream', agent: 'support' }, async () => {
      const stream = await anthropic.messages.create({
        model: 'claude-opus-4-5',
        max_tokens: 512,
        messages: [{ role: 'user', content: 'Where is A-1042?' }],
        stream: true,
      });
      for await (const ev of stream) events.push(ev.type);
    });
    expect(events[0]).toBe('message_start');
    expect(events.at(-1)).toBe('message_stop');
    const [s] = (await spansOf('an-stream')).filter(
      (x) => x.attributes['gen_ai.conversation.id'] === 'an-stream' && kindOf(x) === 'llm',
    );
    expect(s!.attributes).toMatchObject({
      'gen_ai.usage.input_tokens': 52 + 2600,
      'gen_ai.usage.cache_creation.input_tokens': 2600,
      'gen_ai.usage.output_tokens': 64,
      'gen_ai.response.finish_reasons': ['tool_use'],
      'gen_ai.response.id': 'msg_01Y5mUQy3Fk2bXvq9dAn8KJw',
    });
    expect(s!.attributes['cairn.cost.usd']).toBeCloseTo((52 * OPUS.input + 2600 * OPUS.cacheWrite + 64 * OPUS.output) / 1e6, 12);
    expect(json(s!, 'gen_ai.output.messages')).toEqual([
      {
        role: 'assistant',
        finish_reason: 'tool_use',
        parts: [
          { type: 'text', content: 'Let me check that order.' },
          { type: 'tool_call', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'lookup_order', arguments: '{"order_id": "A-1042"}' },
        ],
      },
    ]);
  });

  it('the messages.stream() helper is recorded once with its final usage', async () => {
    const final = await session({ id: 'an-helper', agent: 'support' }, () =>
      anthropic.messages
        .stream({ model: 'claude-opus-4-5', max_tokens: 512, messages: [{ role: 'user', content: 'Where is A-1042?' }] })
        .finalMessage(),
    );
    expect(final.stop_reason).toBe('tool_use');
    const llm = (await spansOf('an-helper')).filter(
      (x) => x.attributes['gen_ai.conversation.id'] === 'an-helper' && kindOf(x) === 'llm',
    );
    expect(llm).toHaveLength(1);
    expect(llm[0]!.attributes['gen_ai.usage.output_tokens']).toBe(64);
  });

  it('an API error fails the span', async () => {
    provider.failNextWith(529);
    await expect(
      session({ id: 'an-error', agent: 'a' }, () =>
        anthropic.messages.create({ model: 'claude-opus-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
      ),
    ).rejects.toBeInstanceOf(Anthropic.APIError);
    const [s] = (await spansOf('an-error')).filter(
      (x) => x.attributes['gen_ai.conversation.id'] === 'an-error' && kindOf(x) === 'llm',
    );
    expect(s!.status.code).toBe(SpanStatusCode.ERROR);
    expect(s!.events.some((e) => e.name === 'exception')).toBe(true);
  });
});
