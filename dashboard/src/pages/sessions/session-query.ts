import type { AnomalyType } from '../../api/types';
import { isAnomalyType } from '../../lib/anomalies';

/**
 * The sessions view's state lives in the URL (a link reproduces the view). This maps the
 * URL's search params to the API query of `GET /api/sessions` and back.
 */
export const RANGES = {
  '15m': 15 * 60_000,
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
} as const;
export type RangeKey = keyof typeof RANGES | 'all' | 'custom';

export interface SessionView {
  range: RangeKey;
  from: string;
  to: string;
  agent: string;
  workflow: string;
  user: string;
  status: string;
  minCost: string;
  maxCost: string;
  escalated: boolean;
  errors: boolean;
  /** '' = every session, 'any' = flagged by any detector, else one detector type (`?anomaly=`). */
  anomaly: AnomalyType | 'any' | '';
  q: string;
  sort: 'recent' | 'cost' | 'duration' | 'steps';
  order: 'desc' | 'asc';
  live: boolean;
}

export function viewOf(p: URLSearchParams): SessionView {
  const sort = p.get('sort');
  const range = p.get('range');
  const anomaly = p.get('anomaly') ?? '';
  return {
    range: range && (range in RANGES || range === 'custom') ? (range as RangeKey) : 'all',
    from: p.get('from') ?? '',
    to: p.get('to') ?? '',
    agent: p.get('agent') ?? '',
    workflow: p.get('workflow') ?? '',
    user: p.get('user') ?? '',
    status: p.get('status') ?? '',
    minCost: p.get('min_cost') ?? '',
    maxCost: p.get('max_cost') ?? '',
    escalated: p.get('escalated') === '1',
    errors: p.get('errors') === '1',
    // An unknown type in a hand-edited link is dropped rather than sent: the API would refuse it.
    anomaly: anomaly === 'any' || isAnomalyType(anomaly) ? anomaly : '',
    q: p.get('q') ?? '',
    sort: sort === 'cost' || sort === 'duration' || sort === 'steps' ? sort : 'recent',
    order: p.get('order') === 'asc' ? 'asc' : 'desc',
    live: p.get('live') === '1',
  };
}

/** Only non-default values go into the URL, so shared links stay short. */
export function paramsOf(v: SessionView): URLSearchParams {
  const p = new URLSearchParams();
  if (v.range !== 'all') p.set('range', v.range);
  if (v.range === 'custom') {
    if (v.from) p.set('from', v.from);
    if (v.to) p.set('to', v.to);
  }
  const set = (k: string, val: string) => val && p.set(k, val);
  set('agent', v.agent);
  set('workflow', v.workflow);
  set('user', v.user);
  set('status', v.status);
  set('min_cost', v.minCost);
  set('max_cost', v.maxCost);
  if (v.escalated) p.set('escalated', '1');
  if (v.errors) p.set('errors', '1');
  set('anomaly', v.anomaly);
  set('q', v.q);
  if (v.sort !== 'recent') p.set('sort', v.sort);
  if (v.order !== 'desc') p.set('order', v.order);
  if (v.live) p.set('live', '1');
  return p;
}

const list = (s: string): string[] | undefined => {
  const items = s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  return items.length ? items : undefined;
};

/** The API query for a view; `now` anchors relative ranges. */
export function apiQueryOf(v: SessionView, now: number): Record<string, string | string[] | number | boolean | undefined> {
  let from: string | undefined;
  let to: string | undefined;
  if (v.range === 'custom') {
    from = v.from ? new Date(v.from).toISOString() : undefined;
    to = v.to ? new Date(v.to).toISOString() : undefined;
  } else if (v.range !== 'all') {
    from = new Date(now - RANGES[v.range]).toISOString();
  }
  const num = (s: string) => (s !== '' && Number.isFinite(Number(s)) && Number(s) >= 0 ? Number(s) : undefined);
  return {
    from,
    to,
    agent: list(v.agent),
    workflow: list(v.workflow),
    user: list(v.user),
    status: list(v.status),
    min_cost: num(v.minCost),
    max_cost: num(v.maxCost),
    has_escalation: v.escalated ? true : undefined,
    has_error: v.errors ? true : undefined,
    anomaly: v.anomaly || undefined,
    q: v.q || undefined,
    sort: v.sort,
    order: v.order,
  };
}

export function isFiltered(v: SessionView): boolean {
  return (
    v.range !== 'all' ||
    !!(v.agent || v.workflow || v.user || v.status || v.minCost || v.maxCost || v.escalated || v.errors || v.anomaly || v.q)
  );
}

/** Median per agent: a session costing over 3× its agent's median on the page is flagged. */
export function costOutliers(rows: { session_id: string; agent_name: string; cost_usd: number }[]): Set<string> {
  const byAgent = new Map<string, number[]>();
  for (const r of rows) {
    const a = byAgent.get(r.agent_name) ?? [];
    a.push(r.cost_usd);
    byAgent.set(r.agent_name, a);
  }
  const median = new Map<string, number>();
  for (const [agent, costs] of byAgent) {
    if (costs.length < 3) continue; // too few to call anything an outlier
    const s = [...costs].sort((a, b) => a - b);
    const m = s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
    median.set(agent, m);
  }
  const out = new Set<string>();
  for (const r of rows) {
    const m = median.get(r.agent_name);
    if (m !== undefined && m > 0 && r.cost_usd > 3 * m) out.add(r.session_id);
  }
  return out;
}
