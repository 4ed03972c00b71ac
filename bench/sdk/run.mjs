// Per-span overhead of a Cairn step over a bare OpenTelemetry span, measured in one run on one
// tracer provider (same batch processor, same exporter), so only the SDK's own work differs.
//   npm run build -w @cairn/schemas -w @cairn/sdk && node bench/sdk/run.mjs [spansPerRound]
import os from 'node:os';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { init, session, step, tool } from '../../sdk/dist/index.js';
import { reportResult } from '../lib.mjs';

const N = Number(process.argv[2] ?? 100_000);
const ROUNDS = 7;

let exported = 0;
const fastExporter = {
  export: (spans, cb) => ((exported += spans.length), cb({ code: 0 })),
  shutdown: async () => {},
  forceFlush: async () => {},
};
// An exporter that takes 20 ms per batch (a slow network): the agent must not wait for it.
const slowExporter = {
  export: (spans, cb) => setTimeout(() => ((exported += spans.length), cb({ code: 0 })), 20),
  shutdown: async () => {},
  forceFlush: async () => {},
};

function providerWith(exporter) {
  return new BasicTracerProvider({
    spanProcessors: [new BatchSpanProcessor(exporter, { maxQueueSize: 1 << 20, maxExportBatchSize: 512 })],
  });
}

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const provider = providerWith(fastExporter);
const tracer = provider.getTracer('bare');
init({ tracerProvider: provider, env: {} });

const variants = {
  // The baseline: what an instrumented agent step costs with OpenTelemetry alone.
  'bare OTel span (startActiveSpan + await)': async () => {
    for (let i = 0; i < N; i++) {
      await tracer.startActiveSpan('step', async (span) => {
        span.end();
      });
    }
  },
  'cairn step() in a session': async () => {
    await session({ agent: 'bench' }, async () => {
      for (let i = 0; i < N; i++) await step('step', () => undefined);
    });
  },
  'cairn step() with steps + duration caps': async () => {
    await session({ agent: 'bench', caps: { maxSteps: N + 1, maxDurationMs: 3_600_000, maxCostUsd: 100 } }, async () => {
      for (let i = 0; i < N; i++) await step('step', () => undefined);
    });
  },
  'cairn tool() with args + result captured, repeat cap on': async () => {
    await session({ agent: 'bench', caps: { maxToolRepeats: N + 1 } }, async () => {
      for (let i = 0; i < N; i++) await tool('lookup', { id: i & 1023 }, () => ({ ok: true }));
    });
  },
};

const results = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, run] of Object.entries(variants)) {
    const t0 = process.hrtime.bigint();
    await run();
    const us = Number(process.hrtime.bigint() - t0) / 1000 / N;
    if (r > 0) results[name].push(us); // round 0 is warm-up
  }
}
await provider.forceFlush();
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const base = median(results['bare OTel span (startActiveSpan + await)']);

// The agent never waits on export: the same step loop with an exporter that takes 20 ms per batch.
const slowProvider = providerWith(slowExporter);
init({ tracerProvider: slowProvider, env: {} });
const slow = [];
for (let r = 0; r < 3; r++) {
  const t0 = process.hrtime.bigint();
  await session({ agent: 'bench' }, async () => {
    for (let i = 0; i < N; i++) await step('step', () => undefined);
  });
  slow.push(Number(process.hrtime.bigint() - t0) / 1000 / N);
}
await slowProvider.forceFlush();

console.log(
  `node ${process.version}, ${os.cpus()[0]?.model} x${os.cpus().length}, ${N} spans per round, median of ${ROUNDS - 1} rounds`,
);
for (const [name, a] of Object.entries(results)) {
  const m = median(a);
  console.log(
    `${name.padEnd(58)} ${m.toFixed(2).padStart(7)} µs/span   overhead vs bare ${(m - base).toFixed(2).padStart(6)} µs`,
  );
}
console.log(
  `${'cairn step() with a 20 ms-per-batch exporter'.padEnd(58)} ${median(slow).toFixed(2).padStart(7)} µs/span   overhead vs bare ${(median(slow) - base).toFixed(2).padStart(6)} µs`,
);
console.log(`spans exported: ${exported}`);
reportResult({
  bare_us_per_span: base,
  variants: Object.fromEntries(Object.entries(results).map(([name, a]) => [name, median(a)])),
  slow_exporter_us_per_span: median(slow),
});
