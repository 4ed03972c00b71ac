#!/usr/bin/env node
// Ingest benchmark: `cairn start` as its own process on a fresh embedded store; concurrent senders
// POST OTLP protobuf bodies built by the official OpenTelemetry serializer; the clock stops when
// every span is written to ClickHouse (cairn_spans_written_total on /metrics = queryable rows).
// Then the store is opened to verify the row count. Usage:
//   node bench/ingest/run.mjs [--spans 200000] [--per-request 1000] [--senders 8] [--profile DIR]
// --profile writes a V8 CPU profile of the collector process into DIR (open it in Chrome DevTools).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { context, trace } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { openStore } from '../../storage/dist/index.js';

const { values } = parseArgs({
  options: {
    spans: { type: 'string', default: '200000' },
    'per-request': { type: 'string', default: '1000' },
    senders: { type: 'string', default: '8' },
    profile: { type: 'string' },
  },
});
const TOTAL = Number(values.spans);
const PER_REQUEST = Number(values['per-request']);
const SENDERS = Number(values.senders);
const KEY = 'cairn_ik_' + 'bench'.repeat(6);
const MAIN = fileURLToPath(new URL('../../cli/dist/main.js', import.meta.url));

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** One request body: sessions of an agent span, LLM calls with GenAI attributes, tool calls. */
function buildBody(requestIndex) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench-agent' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('bench');
  const perSession = 50;
  for (let s = 0; s < PER_REQUEST / perSession; s++) {
    const sessionId = `bench-${requestIndex}-${s}`;
    const common = { 'gen_ai.conversation.id': sessionId, 'gen_ai.agent.name': `agent-${s % 5}` };
    const root = tracer.startSpan('invoke_agent', { attributes: { ...common, 'gen_ai.operation.name': 'invoke_agent' } });
    const ctx = trace.setSpan(context.active(), root);
    for (let i = 1; i < perSession; i++) {
      const isLlm = i % 2 === 1;
      const span = tracer.startSpan(
        isLlm ? 'chat gpt-4o-mini' : 'execute_tool search',
        {
          attributes: isLlm
            ? {
                ...common,
                'gen_ai.operation.name': 'chat',
                'gen_ai.request.model': 'gpt-4o-mini',
                'gen_ai.usage.input_tokens': 1200 + i,
                'gen_ai.usage.output_tokens': 150,
                'gen_ai.input.messages': JSON.stringify([
                  { role: 'user', parts: [{ type: 'text', content: `question ${i} of ${sessionId}` }] },
                ]),
                'gen_ai.output.messages': JSON.stringify([
                  { role: 'assistant', parts: [{ type: 'text', content: 'an answer of moderate length '.repeat(4) }] },
                ]),
              }
            : {
                ...common,
                'gen_ai.operation.name': 'execute_tool',
                'gen_ai.tool.name': 'search',
                'gen_ai.tool.call.arguments': `{"q":"${i}"}`,
              },
        },
        ctx,
      );
      span.end();
    }
    root.end();
  }
  const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans()));
  void provider.shutdown();
  return body;
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'cairn-bench-ingest-'));
  const otlpPort = await freePort();
  const env = {
    ...process.env,
    CAIRN_DATA_DIR: dataDir,
    CAIRN_OTLP_PORT: String(otlpPort),
    CAIRN_HTTP_PORT: String(await freePort()),
    CAIRN_INGEST_KEY: KEY,
    CAIRN_LOG_LEVEL: 'warn',
  };
  const nodeArgs = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] : [];
  const proc = spawn(process.execPath, [...nodeArgs, MAIN, 'start'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  const exited = new Promise((r) => proc.on('exit', r));
  try {
    const requests = Math.ceil(TOTAL / PER_REQUEST);
    process.stderr.write(`building ${requests} OTLP protobuf bodies of ${PER_REQUEST} spans…\n`);
    const bodies = Array.from({ length: requests }, (_, i) => buildBody(i));
    const sent = bodies.length * PER_REQUEST;
    const mb = bodies.reduce((a, b) => a + b.length, 0) / 1e6;
    for (let i = 0; i < 300 && !/Cairn is running/.test(out); i++) await new Promise((r) => setTimeout(r, 100));
    if (!/Cairn is running/.test(out)) throw new Error('cairn start did not come up:\n' + out);
    const url = `http://127.0.0.1:${otlpPort}/v1/traces`;
    const written = async () => {
      const m = await (await fetch(`http://127.0.0.1:${otlpPort}/metrics`)).text();
      return Number(/^cairn_spans_written_total (\d+)/m.exec(m)?.[1] ?? 0);
    };
    const latencies = [];
    let next = 0;
    let retries = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: SENDERS }, async () => {
        while (next < bodies.length) {
          const body = bodies[next++];
          for (;;) {
            const t = performance.now();
            const res = await fetch(url, {
              method: 'POST',
              body,
              headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${KEY}` },
            });
            await res.arrayBuffer();
            latencies.push(performance.now() - t);
            if (res.status === 200) break;
            if (res.status !== 503) throw new Error(`HTTP ${res.status}`);
            retries++;
            await new Promise((r) => setTimeout(r, 50));
          }
        }
      }),
    );
    const tSent = performance.now();
    while ((await written()) < sent) await new Promise((r) => setTimeout(r, 20));
    const tDone = performance.now();
    latencies.sort((a, b) => a - b);
    proc.kill('SIGINT');
    await exited;
    const store = await openStore({ dataDir });
    const [{ n }] = await store.query('SELECT count() AS n FROM spans');
    await store.close();
    const result = {
      machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`,
      date: new Date().toISOString().slice(0, 10),
      spans: sent,
      body_mb: Number(mb.toFixed(1)),
      senders: SENDERS,
      spans_per_request: PER_REQUEST,
      accept_spans_per_s: Math.round(sent / ((tSent - t0) / 1000)),
      queryable_spans_per_s: Math.round(sent / ((tDone - t0) / 1000)),
      request_ms_p50: Number(percentile(latencies, 50).toFixed(1)),
      request_ms_p99: Number(percentile(latencies, 99).toFixed(1)),
      retries_503: retries,
      rows_in_store: Number(n),
    };
    console.log(JSON.stringify(result, null, 2));
    if (Number(n) !== sent) throw new Error(`expected ${sent} rows, found ${n}`);
  } finally {
    if (proc.exitCode === null) proc.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
