import type { DetectorSettings } from '@cairn/schemas';
import { agentBaselineRows, type Store } from '@cairn/storage';

/** Per-agent figures over the trailing baseline window (sessions by start time). */
export interface AgentBaseline {
  agent: string;
  /** The agent's most recent sessions (up to 2000): ids, costs and step counts, same order. */
  ids: string[];
  costs: number[];
  steps: number[];
  win_n: number;
  win_err: number;
  base_n: number;
  base_err: number;
}

export async function agentBaselines(
  store: Store,
  projectId: string,
  nowMs: number,
  s: DetectorSettings,
): Promise<Map<string, AgentBaseline>> {
  const { samples, rates } = await agentBaselineRows(store, projectId, {
    baselineFromMs: nowMs - s.baseline_days * 86_400_000,
    windowFromMs: nowMs - s.error_rate_window_minutes * 60_000,
    nowMs,
  });
  const out = new Map<string, AgentBaseline>();
  for (const r of rates) {
    out.set(r.agent, {
      agent: r.agent,
      ids: [],
      costs: [],
      steps: [],
      win_n: Number(r.win_n),
      win_err: Number(r.win_err),
      base_n: Number(r.base_n),
      base_err: Number(r.base_err),
    });
  }
  for (const r of samples) {
    const b = out.get(r.agent);
    if (b) Object.assign(b, { ids: r.ids, costs: r.costs.map(Number), steps: r.steps.map(Number) });
  }
  return out;
}

/** The q-quantile (nearest rank) of the sample without the session itself: a runaway must not raise its own bar. */
export function quantileExcluding(
  b: AgentBaseline,
  values: readonly number[],
  sessionId: string,
  q: number,
): { value: number; n: number } {
  const others = values.filter((_, i) => b.ids[i] !== sessionId).sort((x, y) => x - y);
  if (others.length === 0) return { value: 0, n: 0 };
  const idx = Math.min(others.length - 1, Math.max(0, Math.ceil(q * others.length) - 1));
  return { value: others[idx] as number, n: others.length };
}
