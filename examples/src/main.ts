import { pathToFileURL } from 'node:url';
import { init, shutdown } from '@cairn/sdk';
import { checkedOtlpExporter } from './export-check.js';
import type { ExampleResult } from './reporting-pipeline.js';

/** Entry point shared by the runnable examples: CAIRN_ENDPOINT / CAIRN_API_KEY from the environment. */
export function runAsMain(moduleUrl: string, serviceName: string, runs: (() => Promise<ExampleResult>)[]): void {
  if (process.argv[1] === undefined || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  void (async () => {
    const check = checkedOtlpExporter(process.env.CAIRN_ENDPOINT ?? 'http://localhost:4318', process.env.CAIRN_API_KEY);
    init({ serviceName, exporter: check });
    for (const run of runs) {
      const r = await run();
      const cost = r.usage ? ` cost $${r.usage.costUsd.toFixed(4)}, ${r.usage.totalTokens} tokens, ${r.usage.steps} steps` : '';
      console.log(`${r.status.padEnd(7)} session ${r.sessionId}${cost}${r.error ? `\n        ${r.error}` : ''}`);
    }
    await shutdown();
    try {
      check.assertDelivered();
    } catch (err) {
      // The run itself worked; only the export failed — say so and fail the process.
      console.error(`error: ${(err as Error).message}`);
      process.exitCode = 1;
      return;
    }
    console.log(`sent ${check.delivered} spans to ${check.endpoint}`);
  })();
}
