import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { context, propagation, ProxyTracerProvider, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { cairnSpanProcessor, forceFlush, init, session, shutdown, step } from '../src/index.js';
import { resolveConfig } from '../src/config.js';
import { startSink } from './otlp-sink.js';

afterEach(async () => {
  await shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

describe('init()', () => {
  it('exports OTLP/HTTP protobuf with batching to CAIRN_ENDPOINT with CAIRN_API_KEY; shutdown() flushes', async () => {
    const sink = await startSink();
    try {
      const { mode } = init({
        env: { CAIRN_ENDPOINT: sink.url, CAIRN_API_KEY: 'cairn_ik_0123456789abcdefghijklmn', OTEL_SERVICE_NAME: 'billing-agent' },
      });
      expect(mode).toBe('global');
      await session({ id: 'proto-session-1', agent: 'billing' }, () => step('think', () => 1));
      expect(sink.received).toHaveLength(0); // batched: nothing sent while the agent runs
      await shutdown();
      expect(sink.received).toHaveLength(1);
      const [req] = sink.received;
      expect(req!.headers['content-type']).toBe('application/x-protobuf');
      expect(req!.headers.authorization).toBe('Bearer cairn_ik_0123456789abcdefghijklmn');
      const body = req!.body.toString('latin1');
      expect(body).toContain('proto-session-1');
      expect(body).toContain('billing-agent');
      expect(body).toContain('session billing');
    } finally {
      await sink.close();
    }
  });

  it('flushes pending spans when the process runs out of work, without shutdown() (built SDK, child process)', async () => {
    const sink = await startSink();
    try {
      const code = await new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, [fileURLToPath(new URL('./fixtures/exit-flush.mjs', import.meta.url))], {
          env: { ...process.env, CAIRN_ENDPOINT: sink.url },
          stdio: 'inherit',
        });
        child.on('exit', resolve);
      });
      expect(code).toBe(0);
      const body = Buffer.concat(sink.received.map((r) => r.body)).toString('latin1');
      expect(body).toContain('exit-flush-1');
      expect(body).toContain('only-step');
    } finally {
      await sink.close();
    }
  });

  it('settles options over CAIRN_* over OTEL_* variables', () => {
    expect(resolveConfig({ env: {} }).tracesUrl).toBe('http://localhost:4318/v1/traces');
    expect(resolveConfig({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318' } }).tracesUrl).toBeUndefined(); // the exporter reads it
    expect(
      resolveConfig({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318', CAIRN_ENDPOINT: 'http://cairn:4318/' } }).tracesUrl,
    ).toBe('http://cairn:4318/v1/traces');
    expect(resolveConfig({ endpoint: 'http://x:1/v1/traces', env: { CAIRN_ENDPOINT: 'http://cairn:4318' } }).tracesUrl).toBe(
      'http://x:1/v1/traces',
    );
    const c = resolveConfig({ env: { CAIRN_CAPTURE_CONTENT: 'false', CAIRN_CONTENT_SAMPLE_RATE: '0.25', CAIRN_API_KEY: 'k' } });
    expect(c.content).toMatchObject({ capture: false, sampleRate: 0.25 });
    expect(c.headers).toEqual({ Authorization: 'Bearer k' });
    expect(resolveConfig({ content: { capture: true }, env: { CAIRN_CAPTURE_CONTENT: 'false' } }).content.capture).toBe(true);
  });

  it("works beside an app's own OpenTelemetry SDK: shares its context, leaves its provider alone, exports only Cairn spans", async () => {
    const appExporter = new InMemorySpanExporter();
    const app = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(appExporter)] });
    trace.setGlobalTracerProvider(app);
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const cairnExporter = new InMemorySpanExporter();
    const { mode } = init({ exporter: cairnExporter, env: {} });
    expect(mode).toBe('beside');
    expect((trace.getTracerProvider() as ProxyTracerProvider).getDelegate()).toBe(app);

    const appTracer = trace.getTracer('my-app');
    await appTracer.startActiveSpan('GET /checkout', async (http) => {
      await step('validate-cart', () => true);
      http.end();
    });
    await forceFlush();
    expect(appExporter.getFinishedSpans().map((s) => s.name)).toEqual(['GET /checkout']);
    const [cairnStep] = cairnExporter.getFinishedSpans();
    expect(cairnStep?.name).toBe('validate-cart');
    // the Cairn step is a child of the app's request span: one context, two exporters
    const http = appExporter.getFinishedSpans()[0]!;
    expect(cairnStep!.parentSpanContext?.spanId).toBe(http.spanContext().spanId);
    expect(cairnStep!.spanContext().traceId).toBe(http.spanContext().traceId);
  });

  it('uses a provider the app built with cairnSpanProcessor()', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [cairnSpanProcessor({ exporter, env: {} })] });
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    expect(init({ tracerProvider: provider, env: {} }).mode).toBe('provided');
    await session({ id: 'provided-1', agent: 'a' }, () => step('s', () => 1));
    await provider.forceFlush();
    expect(
      exporter
        .getFinishedSpans()
        .map((s) => s.name)
        .sort(),
    ).toEqual(['s', 'session a']);
  });
});

describe('init() twice without awaiting shutdown()', () => {
  it('keeps the second setup working', async () => {
    const first = new InMemorySpanExporter();
    const second = new InMemorySpanExporter();
    init({ exporter: first, env: {} });
    init({ exporter: second, env: {} });
    await new Promise((r) => setTimeout(r, 20)); // let the first setup's shutdown finish
    await session({ id: 'reinit-1', agent: 'a' }, () => step('s', () => 1));
    await forceFlush();
    expect(
      second
        .getFinishedSpans()
        .map((s) => s.name)
        .sort(),
    ).toEqual(['s', 'session a']);
  });
});
