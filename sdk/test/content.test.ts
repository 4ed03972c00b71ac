import { afterEach, describe, expect, it } from 'vitest';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { forceFlush, init, llm, redactSecrets, session, shutdown, snapshot, step, tool } from '../src/index.js';
import type { ContentOptions } from '../src/index.js';
import { jattr, jsonSpans, startSink } from './otlp-sink.js';
import type { JsonSpan } from './otlp-sink.js';

const SECRET_MAIL = 'alice.smith@example.com';
const SECRET_KEY = 'sk-proj-abcdefghijklmnopqrstuvwxyz123456';

afterEach(async () => {
  await shutdown();
});

/** Runs one session whose prompt, output, tool arguments, state and error all carry secrets. */
async function runAgent(id: string, fail = false): Promise<void> {
  await session({ id, agent: 'support', input: `mail ${SECRET_MAIL}` }, async () => {
    await llm(
      {
        model: 'gpt-4o-mini',
        input: [{ role: 'user', content: `Reset key ${SECRET_KEY} for ${SECRET_MAIL}` }],
        system: 'Be brief.',
      },
      (c) => {
        c.record({ usage: { inputTokens: 20, outputTokens: 5 }, output: `Done, I emailed ${SECRET_MAIL}` });
      },
    );
    await tool('send_mail', { to: SECRET_MAIL }, () => ({ sent: true }));
    await step('remember', () => snapshot({ customer: SECRET_MAIL, key: SECRET_KEY }));
    if (fail) await tool('explode', { to: SECRET_MAIL }, () => Promise.reject(new Error(`cannot reach ${SECRET_MAIL}`)));
  }).catch(() => undefined);
}

/** Exports through the real OTLP/JSON exporter to a local HTTP endpoint and returns what arrived. */
async function exported(content: ContentOptions, run: () => Promise<void>): Promise<{ spans: JsonSpan[]; raw: string }> {
  const sink = await startSink();
  try {
    init({ exporter: new JsonExporter({ url: `${sink.url}/v1/traces` }), content, env: {} });
    await run();
    await forceFlush();
    return { spans: jsonSpans(sink.received), raw: sink.received.map((r) => r.body.toString('utf8')).join('\n') };
  } finally {
    await shutdown();
    await sink.close();
  }
}

const CONTENT_KEYS = [
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'gen_ai.system_instructions',
  'gen_ai.tool.call.arguments',
  'gen_ai.tool.call.result',
];
const hasContent = (s: JsonSpan) =>
  CONTENT_KEYS.some((k) => jattr(s, k) !== undefined) || (s.events ?? []).some((e) => e.name === 'cairn.state');

describe('content controls, checked on the spans actually exported', () => {
  it('captures prompts, outputs, tool arguments and state by default', async () => {
    const { spans, raw } = await exported({}, () => runAgent('c-default'));
    expect(spans.length).toBe(4);
    const call = spans.find((s) => s.name === 'chat gpt-4o-mini')!;
    expect(String(jattr(call, 'gen_ai.input.messages'))).toContain(SECRET_KEY);
    expect(JSON.parse(String(jattr(call, 'gen_ai.input.messages')))).toEqual([
      { role: 'user', parts: [{ type: 'text', content: `Reset key ${SECRET_KEY} for ${SECRET_MAIL}` }] },
    ]);
    expect(String(jattr(call, 'gen_ai.system_instructions'))).toContain('Be brief.');
    expect(raw).toContain(SECRET_MAIL);
  });

  it('content off: nothing of the content leaves the process, the rest does', async () => {
    const { spans, raw } = await exported({ capture: false }, () => runAgent('c-off'));
    expect(spans.map((s) => s.name).sort()).toEqual(
      ['chat gpt-4o-mini', 'execute_tool send_mail', 'remember', 'session support'].sort(),
    );
    expect(spans.some(hasContent)).toBe(false);
    expect(raw).not.toContain(SECRET_MAIL);
    expect(raw).not.toContain(SECRET_KEY);
    const call = spans.find((s) => s.name === 'chat gpt-4o-mini')!;
    expect(Number(jattr(call, 'gen_ai.usage.input_tokens'))).toBe(20);
    expect(jattr(call, 'cairn.cost.usd')).toBeGreaterThan(0);
  });

  it('sampling keeps whole sessions at the given rate and always keeps content of errored spans', async () => {
    const { spans } = await exported({ sampleRate: 0.3 }, async () => {
      for (let i = 0; i < 60; i++) await runAgent(`c-sample-${i}`, i % 3 === 0);
    });
    const bySession = new Map<string, JsonSpan[]>();
    for (const s of spans) {
      const id = String(jattr(s, 'gen_ai.conversation.id'));
      bySession.set(id, [...(bySession.get(id) ?? []), s]);
    }
    expect(bySession.size).toBe(60);
    let kept = 0;
    let failedButUnsampled = 0;
    for (const [id, list] of bySession) {
      const ok = list.filter((s) => s.status?.code !== 2);
      const withContent = ok.filter(hasContent).length;
      // all or nothing per session (for spans that did not fail)
      expect([0, ok.length], id).toContain(withContent);
      if (withContent > 0) kept++;
      const failed = list.find((s) => s.name === 'execute_tool explode');
      if (failed === undefined) continue;
      // the failed tool and the failed session keep their content whatever the sampling said
      expect(String(jattr(failed, 'gen_ai.tool.call.arguments')), id).toContain(SECRET_MAIL);
      expect(
        String(
          jattr(
            list.find((s) => s.name === 'session support')!,
            'gen_ai.input.messages',
          ),
        ),
        id,
      ).toContain(SECRET_MAIL);
      if (withContent === 0) failedButUnsampled++;
    }
    expect(failedButUnsampled).toBeGreaterThan(0);
    // 60 random trace ids at 30%: far from none and far from all
    expect(kept).toBeGreaterThan(3);
    expect(kept).toBeLessThan(40);
  });

  it('the redaction hook runs before export, on content, state and exception messages', async () => {
    const { spans, raw } = await exported({ redact: redactSecrets }, () => runAgent('c-redact', true));
    expect(raw).not.toContain(SECRET_MAIL);
    expect(raw).not.toContain(SECRET_KEY);
    const call = spans.find((s) => s.name === 'chat gpt-4o-mini')!;
    expect(String(jattr(call, 'gen_ai.input.messages'))).toContain('Reset key [api-key] for [email]');
    expect(String(jattr(call, 'gen_ai.output.messages'))).toContain('Done, I emailed [email]');
    const state = spans.find((s) => s.name === 'remember')!.events!.find((e) => e.name === 'cairn.state')!;
    expect(JSON.parse(String(jattr(state, 'cairn.state.json')))).toEqual({ customer: '[email]', key: '[api-key]' });
    const failed = spans.find((s) => s.name === 'execute_tool explode')!;
    expect(failed.status?.message).toBe('cannot reach [email]');
    expect(
      jattr(
        failed.events!.find((e) => e.name === 'exception')!,
        'exception.message',
      ),
    ).toBe('cannot reach [email]');
  });

  it('redactSecrets masks e-mail addresses and key-like strings, and nothing else', () => {
    expect(
      redactSecrets('mail bob@corp.io, key sk-ant-api03-AAAAAAAAAAAAAAAAAAAAAAAA, ingest cairn_ik_abcdefghijklmnopqrstuvwx'),
    ).toBe('mail [email], key [api-key], ingest [api-key]');
    expect(redactSecrets('Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig')).toBe('Authorization: [api-key]');
    expect(redactSecrets('AWS AKIAIOSFODNN7EXAMPLE and ghp_0123456789abcdefghijABCDEFGHIJ')).toBe('AWS [api-key] and [api-key]');
    expect(redactSecrets('order 1234, sku ab-12, ask@ once')).toBe('order 1234, sku ab-12, ask@ once');
  });
});
