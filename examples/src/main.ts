import { pathToFileURL } from 'node:url';
import { init, shutdown } from '@cairn/sdk';
import type { ExampleResult } from './reporting-pipeline.js';

/** Entry point shared by the runnable examples: CAIRN_ENDPOINT / CAIRN_API_KEY from the environment. */
export function runAsMain(moduleUrl: string, serviceName: string, runs: (() => Promise<ExampleResult>)[]): void {
  if (process.argv[1] === undefined || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  void (async () => {
    init({ serviceName });
    for (const run of runs) {
      const r = await run();
      const cost = r.usage ? ` cost $${r.usage.costUsd.toFixed(4)}, ${r.usage.totalTokens} tokens, ${r.usage.steps} steps` : '';
      console.log(`${r.status.padEnd(7)} session ${r.sessionId}${cost}${r.error ? `\n        ${r.error}` : ''}`);
    }
    await shutdown();
    console.log(`sent to ${process.env.CAIRN_ENDPOINT ?? 'http://localhost:4318'}`);
  })();
}
