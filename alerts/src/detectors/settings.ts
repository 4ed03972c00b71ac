import type { DetectorSettings, DetectorSettingsPatch } from '@cairn/schemas';
import { getDetectorSettingsJson, putDetectorSettingsJson, type Store } from '@cairn/storage';

/** Defaults of the anomaly detectors (a project overrides them with PUT /api/alerts/detectors). */
export const DEFAULT_DETECTOR_SETTINGS: DetectorSettings = {
  session_cost_multiplier: 3,
  baseline_days: 7,
  min_history: 5,
  step_limits: {},
  step_limit_multiplier: 1.5,
  retry_loop_repeats: 5,
  error_rate_window_minutes: 15,
  error_rate_min_sessions: 5,
  error_rate_threshold: 0.3,
  error_rate_multiplier: 3,
};

export async function loadDetectorSettings(store: Store, projectId: string): Promise<DetectorSettings> {
  const json = await getDetectorSettingsJson(store, projectId);
  const saved = json !== undefined ? (JSON.parse(json) as Partial<DetectorSettings>) : {};
  return { ...DEFAULT_DETECTOR_SETTINGS, ...saved };
}

export async function saveDetectorSettings(
  store: Store,
  projectId: string,
  patch: DetectorSettingsPatch,
): Promise<DetectorSettings> {
  const next = { ...(await loadDetectorSettings(store, projectId)), ...patch };
  await putDetectorSettingsJson(store, projectId, JSON.stringify(next));
  return next;
}
