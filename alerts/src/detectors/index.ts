import type { DetectorSettings, DetectorSettingsPatch } from '@cairn/schemas';
import {
  agentBaselineRows,
  erringSessions,
  getDetectorSettingsJson,
  putDetectorSettingsJson,
  recentSessionFigures,
  repeatedToolCalls,
  type Store,
} from '@cairn/storage';
import type { AlertDraft } from '../payloads.js';

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

const money = (x: number): string => `$${x.toFixed(4)}`;

/**
 * The anomalies of one project's recently active sessions (docs/ARCHITECTURE.md, "Budgets, alerts and hard stops"): cost above k × the
 * agent's trailing median, steps above the agent's limit, the same tool call repeated, and an
 * agent's error-rate spike. Each draft's key makes it fire once (per session, or per agent and
 * error-rate window).
 */
export async function detectAnomalies(
  store: Store,
  projectId: string,
  nowMs: number,
  s: DetectorSettings,
  opts: { sinceMs: number; baselines: Map<string, AgentBaseline> },
): Promise<AlertDraft[]> {
  const drafts: AlertDraft[] = [];
  const candidates = await recentSessionFigures(store, projectId, opts.sinceMs);
  for (const c of candidates) {
    const base = c.agent === '' ? undefined : opts.baselines.get(c.agent);
    const median = base ? quantileExcluding(base, base.costs, c.session_id, 0.5) : { value: 0, n: 0 };
    if (median.n >= s.min_history && median.value > 0 && c.cost > s.session_cost_multiplier * median.value) {
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
    const configured = c.agent === '' ? undefined : s.step_limits[c.agent];
    const p95 = base ? quantileExcluding(base, base.steps, c.session_id, 0.95) : { value: 0, n: 0 };
    const limit = configured ?? (p95.n >= s.min_history ? Math.ceil(p95.value * s.step_limit_multiplier) : undefined);
    if (limit !== undefined && c.steps > limit) {
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
  }
  const loopers = candidates.filter((c) => c.tools >= s.retry_loop_repeats);
  if (loopers.length > 0) {
    const rows = await repeatedToolCalls(
      store,
      projectId,
      loopers.map((c) => c.session_id),
      s.retry_loop_repeats,
    );
    const agentOf = new Map(loopers.map((c) => [c.session_id, c.agent]));
    for (const r of rows) {
      drafts.push({
        projectId,
        type: 'anomaly.retry_loop',
        key: `anomaly.retry_loop:${r.session_id}`,
        message: `Session ${r.session_id} called tool "${r.tool_name}" ${Number(r.n)} times with the same arguments`,
        sessionId: r.session_id,
        agentName: agentOf.get(r.session_id) ?? '',
        details: { tool_name: r.tool_name, repeats: Number(r.n), tool_call_key: r.tool_call_key },
        flagSessions: [r.session_id],
      });
    }
  }
  const windowMs = s.error_rate_window_minutes * 60_000;
  for (const b of opts.baselines.values()) {
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
}
