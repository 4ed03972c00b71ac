import { erringSessions } from '@cairn/storage';
import type { AlertDraft } from '../payloads.js';
import type { Detector } from './detector.js';

/**
 * An agent whose share of sessions with errors over the last window is above the threshold and
 * (with enough history) above `error_rate_multiplier` × its baseline rate. One alert per agent and
 * window; it flags the window's erring sessions.
 */
export const errorRate: Detector = {
  type: 'anomaly.error_rate',
  async detect({ store, projectId, nowMs, settings: s, baselines }) {
    const drafts: AlertDraft[] = [];
    const windowMs = s.error_rate_window_minutes * 60_000;
    for (const b of baselines.values()) {
      if (b.win_n < s.error_rate_min_sessions) continue;
      const rate = b.win_err / b.win_n;
      const baseRate = b.base_n >= s.min_history ? b.base_err / b.base_n : undefined;
      if (rate < s.error_rate_threshold || (baseRate !== undefined && rate < s.error_rate_multiplier * baseRate)) continue;
      const bucket = Math.floor(nowMs / windowMs);
      const erring = await erringSessions(store, projectId, b.agent, nowMs - windowMs);
      drafts.push({
        projectId,
        type: 'anomaly.error_rate',
        key: `anomaly.error_rate:${b.agent}:${bucket}`,
        message: `Agent "${b.agent}": ${b.win_err} of ${b.win_n} sessions in the last ${s.error_rate_window_minutes} min had errors (${(rate * 100).toFixed(0)} %${baseRate === undefined ? '' : `, baseline ${(baseRate * 100).toFixed(1)} %`})`,
        agentName: b.agent,
        period: { start: nowMs - windowMs, end: nowMs },
        details: { error_rate: rate, baseline_error_rate: baseRate ?? null, window_sessions: b.win_n, window_errors: b.win_err },
        flagSessions: erring,
      });
    }
    return drafts;
  },
};
