#!/usr/bin/env node
// Micro-benchmark of the ingest worker's per-request work: `prepareRequest` (decode → normalize →
// encode → dedup keys) of the built collector, in this process, on OTLP protobuf bodies built
// like bench/ingest/run.mjs builds them. Reports µs of CPU per span, median of several rounds,
// for comparing variants without the HTTP server, the writer or ClickHouse. Usage:
//   node bench/ingest/prepare.mjs [--requests 20] [--per-request 1000] [--rounds 15]
//   node bench/ingest/prepare.mjs --root /path/to/other/checkout   (its built collector instead)
// To compare two builds, alternate single runs of each (3 or more apiece) and compare medians:
// the machine's load moves the figures by 20 % from one minute to the next. Several --root in
// one run are accepted, but they share one heap, so each build pays part of the other's GC.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { context, trace } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '20' },
    'per-request': { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '15' },
    root: { type: 'string', multiple: true },
  },
});
const REQUESTS = Number(values.requests);
const PER_REQUEST = Number(values['per-request']);
const ROUNDS = Number(values.rounds);
const roots = values.root?.length ? values.root.map((r) => resolve(r)) : [fileURLToPath(new URL('../..', import.meta.url))];

/** The same body as bench/ingest/run.mjs: sessions of an agent span, LLM calls, tool calls. */
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

const builds = [];
for (const root of roots) {
  const { prepareRequest } = await import(pathToFileURL(resolve(root, 'collector/dist/prepare.js')).href);
  const { DEFAULT_PRICE_BOOK } = await import(pathToFileURL(resolve(root, 'schemas/dist/index.js')).href);
  builds.push({ root, prepareRequest, book: DEFAULT_PRICE_BOOK, samples: [] });
}

// As the ingest worker receives them: postMessage delivers a Buffer as a plain Uint8Array.
const bodies = Array.from({ length: REQUESTS }, (_, i) => new Uint8Array(buildBody(i)));
const spans = REQUESTS * PER_REQUEST;

/**
 * One pass over every body; returns µs of CPU per span: user + system time of the whole process,
 * so the garbage collector's helper threads count, as they do against the collector's cores.
 */
function pass(build) {
  let rows = 0;
  const t = process.cpuUsage();
  for (const body of bodies) rows += build.prepareRequest(body, 'protobuf', 'bench-project', build.book).rows;
  const used = process.cpuUsage(t);
  const us = (used.user + used.system) / spans;
  if (rows !== spans) throw new Error(`${build.root}: ${rows} rows for ${spans} spans`);
  return us;
}

// Warm-up: let the JIT settle on every build before timing anything.
for (const b of builds) for (let i = 0; i < 3; i++) pass(b);
for (let round = 0; round < ROUNDS; round++) for (const b of builds) b.samples.push(pass(b));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`prepareRequest, ${REQUESTS} protobuf bodies × ${PER_REQUEST} spans, ${ROUNDS} rounds (node ${process.version})`);
for (const b of builds) {
  const s = [...b.samples].sort((x, y) => x - y);
  console.log(`${b.root}: median ${median(s).toFixed(2)} µs/span (min ${s[0].toFixed(2)}, max ${s[s.length - 1].toFixed(2)})`);
}
