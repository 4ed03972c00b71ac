import { api, ApiError } from '../api/client';
import type { BudgetList, BudgetStatus } from '../api/types';

export interface BudgetsWithStatus {
  /** false when this server has no budgets API (an older Cairn): pages show "not available". */
  available: boolean;
  statuses: BudgetStatus[];
}

export async function loadBudgetStatuses(signal?: AbortSignal): Promise<BudgetsWithStatus> {
  let list: BudgetList;
  try {
    list = await api<BudgetList>('/api/budgets', { signal });
  } catch (e) {
    if (e instanceof ApiError && e.unavailable) return { available: false, statuses: [] };
    throw e;
  }
  const statuses = await Promise.all(
    list.budgets.map((b) => api<BudgetStatus>(`/api/budgets/${encodeURIComponent(b.id)}/status`, { signal })),
  );
  return { available: true, statuses };
}

export type BudgetState = 'ok' | 'warning' | 'exceeded' | 'hard-stopped';

export function budgetState(s: BudgetStatus): BudgetState {
  if (s.exceeded) return s.budget.hard_stop ? 'hard-stopped' : 'exceeded';
  const warnAt = Math.min(...s.budget.thresholds.filter((t) => t < 100), 100);
  return s.percent >= warnAt ? 'warning' : 'ok';
}

/** Straight-line projection of the period's spend from the rate so far. */
export function projectedSpend(s: BudgetStatus, now = Date.now()): number | undefined {
  const start = Date.parse(s.period.start);
  const end = Date.parse(s.period.end);
  const elapsed = Math.min(now, end) - start;
  if (!(elapsed > 60_000) || !(end > start)) return undefined; // too early to extrapolate
  return (s.spent_usd / elapsed) * (end - start);
}

export function scopeText(scope: BudgetStatus['budget']['scope']): string {
  const parts = Object.entries(scope)
    .filter(([, v]) => v)
    .map(([k, v]) => `${k}=${v}`);
  return parts.length ? parts.join(' · ') : 'whole project';
}
