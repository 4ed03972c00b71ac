import { init, shutdown } from '@cairn/sdk';
import { checkedOtlpExporter } from './export-check.js';
import { runReportingPipeline } from './reporting-pipeline.js';
import type { ExampleResult } from './reporting-pipeline.js';
import { runSupportAgent } from './support-agent.js';

export interface DemoOptions {
  /** Collector base URL, e.g. `http://127.0.0.1:4318`. */
  endpoint: string;
  /** An ingest key (`cairn_ik_…`). */
  apiKey: string;
  /** How many sessions to produce (default 6: every scenario once). */
  sessions?: number;
  log?: (line: string) => void;
  /** Latency scale of the simulated models and tools (default 0.2: five times faster than real). */
  timeScale?: number;
}

type Scenario = { name: string; run: (seed: number, timeScale: number) => Promise<ExampleResult> };

export const DEMO_SCENARIOS: readonly Scenario[] = [
  {
    name: 'reporting pipeline',
    run: (seed, timeScale) => runReportingPipeline({ scenario: 'normal', seed, timeScale, week: 6 + (seed % 5) }),
  },
  { name: 'support: refund', run: (seed, timeScale) => runSupportAgent({ scenario: 'refund', seed, timeScale }) },
  {
    name: 'support: ambiguous ticket (escalates)',
    run: (seed, timeScale) => runSupportAgent({ scenario: 'ambiguous', seed, timeScale }),
  },
  {
    name: 'reporting pipeline: warehouse returns nothing (repeat cap)',
    run: (seed, timeScale) => runReportingPipeline({ scenario: 'upstream-empty', seed, timeScale }),
  },
  {
    name: 'support: order service returns nothing (repeat cap)',
    run: (seed, timeScale) => runSupportAgent({ scenario: 'upstream-empty', seed, timeScale }),
  },
  {
    name: 'reporting pipeline',
    run: (seed, timeScale) => runReportingPipeline({ scenario: 'normal', seed, timeScale, week: 6 + (seed % 5) }),
  },
];

/**
 * Runs the example agents (normal and failure scenarios) against a Cairn collector, so the
 * dashboard has populated sessions. Sessions run concurrently; resolves once every span is
 * stored, and rejects with an `ExportFailedError` (the collector's HTTP status and message)
 * when the collector refused or never received some of them.
 */
export async function runDemo(opts: DemoOptions): Promise<{ sessions: string[]; spans: number }> {
  const log = opts.log ?? (() => undefined);
  const count = Math.max(1, opts.sessions ?? DEMO_SCENARIOS.length);
  const timeScale = opts.timeScale ?? 0.2;
  const check = checkedOtlpExporter(opts.endpoint, opts.apiKey);
  init({ endpoint: opts.endpoint, apiKey: opts.apiKey, serviceName: 'cairn-demo', exporter: check });
  let sessions: string[];
  try {
    const results = await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const scenario = DEMO_SCENARIOS[i % DEMO_SCENARIOS.length] as Scenario;
        const r = await scenario.run(i + 1, timeScale);
        const cost = r.usage ? `$${r.usage.costUsd.toFixed(4)}` : '';
        // "ran", not "ok": whether the collector stored it is known only after the final flush.
        log(
          `${r.status === 'ok' ? 'ran    ' : r.status === 'stopped' ? 'stopped' : 'error  '} ${r.sessionId}  ${scenario.name} ${cost}${r.error ? ` — ${r.error}` : ''}`,
        );
        return r;
      }),
    );
    sessions = results.map((r) => r.sessionId);
  } finally {
    await shutdown();
  }
  check.assertDelivered();
  return { sessions, spans: check.delivered };
}
