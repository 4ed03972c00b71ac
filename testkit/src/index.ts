/**
 * `@cairn/testkit`: helpers the packages' tests share, so no test reaches into another package's
 * `test/` folder. Test-only: nothing under `src/` of any package may import it.
 */
export { openTestStore, SERVER_MODE, tempDataDir, testStoreConfig } from './temp-store.js';
// The generator lives in @cairn/schemas (run-time code uses it too); re-exported for the tests.
export { seededRandom } from '@cairn/schemas/conventions';
export { startTestCairn } from './start-cairn.js';
export { BASE_NS, MS, makeSpanRow } from './span-row.js';
export { sendOtlpSpend, sendOtlpToolCalls, api } from './otlp.js';
export { exportWithOtelSdk } from './otel-export.js';
export type { OtlpSpend } from './otlp.js';
export { streamBody } from './stream-body.js';
export type { StreamOutcome } from './stream-body.js';
export { otlpGrpcExporter, exportOnce } from './otlp-grpc.js';
export { makeTestApp, makeTestProject, TEST_API_CONFIG } from './api-app.js';
export type { TestProject } from './api-app.js';
export { startReceiver, signatureValid, send } from './webhook-receiver.js';
export type { Receiver, Received } from './webhook-receiver.js';
export { startTestEngine } from './engine.js';
export type { TestEngine, TestEngineOptions } from './engine.js';
