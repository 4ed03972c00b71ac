import type { DetectorSettings } from '@cairn/schemas';
import { recentSessionFigures, type Store } from '@cairn/storage';
import type { AlertDraft } from '../payloads.js';
import type { AgentBaseline } from './baselines.js';
import type { Detector } from './detector.js';
import { errorRate } from './error-rate.js';
import { retryLoop } from './retry-loop.js';
import { sessionCost } from './session-cost.js';
import { stepLimit } from './step-limit.js';

export { agentBaselines, quantileExcluding, type AgentBaseline } from './baselines.js';
export type { Detector, DetectorContext } from './detector.js';
export { DEFAULT_DETECTOR_SETTINGS, loadDetectorSettings, saveDetectorSettings } from './settings.js';

/** Every anomaly detector the engine runs, in order. A new detector: one file here and one line in this list. */
export const DETECTORS: readonly Detector[] = [sessionCost, stepLimit, retryLoop, errorRate];

/**
 * The anomalies of one project's recently active sessions (docs/ARCHITECTURE.md, "Budgets,
 * alerts and hard stops"): the sessions with spans ingested since `sinceMs` are read once, then
 * every detector looks at them and at the agents' baselines.
 */
export async function detectAnomalies(
  store: Store,
  projectId: string,
  nowMs: number,
  settings: DetectorSettings,
  opts: { sinceMs: number; baselines: Map<string, AgentBaseline> },
): Promise<AlertDraft[]> {
  const candidates = await recentSessionFigures(store, projectId, opts.sinceMs);
  const ctx = { store, projectId, nowMs, settings, candidates, baselines: opts.baselines };
  const drafts: AlertDraft[] = [];
  for (const d of DETECTORS) drafts.push(...(await d.detect(ctx)));
  return drafts;
}
