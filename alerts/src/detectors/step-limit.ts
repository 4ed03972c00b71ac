import type { AlertDraft } from '../payloads.js';
import { quantileExcluding } from './baselines.js';
import type { Detector } from './detector.js';

/**
 * A runaway: more steps than the agent's limit — the configured one (`step_limits`), else
 * `step_limit_multiplier` × the agent's p95 once it has enough history.
 */
export const stepLimit: Detector = {
  type: 'anomaly.step_limit',
  async detect({ projectId, settings: s, candidates, baselines }) {
    const drafts: AlertDraft[] = [];
    for (const c of candidates) {
      const base = c.agent === '' ? undefined : baselines.get(c.agent);
      const configured = c.agent === '' ? undefined : s.step_limits[c.agent];
      const p95 = base ? quantileExcluding(base, base.steps, c.session_id, 0.95) : { value: 0, n: 0 };
      const limit = configured ?? (p95.n >= s.min_history ? Math.ceil(p95.value * s.step_limit_multiplier) : undefined);
      if (limit === undefined || c.steps <= limit) continue;
      drafts.push({
        projectId,
        type: 'anomaly.step_limit',
        key: `anomaly.step_limit:${c.session_id}`,
        message: `Session ${c.session_id} of agent "${c.agent}" ran ${c.steps} steps, over its limit of ${limit}${configured === undefined ? ' (derived from history)' : ''}`,
        sessionId: c.session_id,
        agentName: c.agent,
        details: { steps: c.steps, step_limit: limit, limit_source: configured === undefined ? 'history' : 'configured' },
        flagSessions: [c.session_id],
      });
    }
    return drafts;
  },
};
