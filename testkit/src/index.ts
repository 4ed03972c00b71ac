/**
 * `@cairn/testkit`: helpers the packages' tests share, so no test reaches into another package's
 * `test/` folder. Test-only: nothing under `src/` of any package may import it.
 */
export { openTestStore, SERVER_MODE, tempDataDir, testStoreConfig } from './temp-store.js';
export { seededRandom } from './random.js';
export { startTestCairn } from './start-cairn.js';
export { BASE_NS, MS, makeSpanRow } from './span-row.js';
export { sendOtlpSpend, sendOtlpToolCalls, api } from './otlp.js';
export { exportWithOtelSdk } from './otel-export.js';
export type { OtlpSpend } from './otlp.js';
export { streamBody } from './stream-body.js';
export type { StreamOutcome } from './stream-body.js';
