import type { AlertDraft } from '../payloads.js';
import { quantileExcluding } from './baselines.js';
import type { Detector } from './detector.js';

const money = (x: number): string => `$${x.toFixed(4)}`;

/** A session that cost more than k × its agent's trailing median (once the agent has enough history). */
export const sessionCost: Detector = {
  type: 'anomaly.session_cost',
  async detect({ projectId, settings: s, candidates, baselines }) {
    const drafts: AlertDraft[] = [];
    for (const c of candidates) {
      const base = c.agent === '' ? undefined : baselines.get(c.agent);
      const median = base ? quantileExcluding(base, base.costs, c.session_id, 0.5) : { value: 0, n: 0 };
      if (median.n < s.min_history || median.value <= 0 || c.cost <= s.session_cost_multiplier * median.value) continue;
      drafts.push({
        projectId,
        type: 'anomaly.session_cost',
        key: `anomaly.session_cost:${c.session_id}`,
        message: `Session ${c.session_id} of agent "${c.agent}" cost ${money(c.cost)}, ${(c.cost / median.value).toFixed(1)}× the agent's median of ${money(median.value)}`,
        sessionId: c.session_id,
        agentName: c.agent,
        spentUsd: c.cost,
        details: { median_cost_usd: median.value, multiplier: s.session_cost_multiplier, baseline_sessions: median.n },
        flagSessions: [c.session_id],
      });
    }
    return drafts;
  },
};
