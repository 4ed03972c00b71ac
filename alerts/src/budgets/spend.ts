import { spendInWindows, type BudgetRecord, type Store } from '@cairn/storage';
import { hourRange, periodBounds, type PeriodBounds } from './periods.js';

/** A budget's current period and what was spent in it. */
export interface BudgetSpend {
  budget: BudgetRecord;
  period: PeriodBounds;
  spent: number;
  /** spent / limit × 100, rounded to 1e-6 so float sums do not miss a threshold by 1e-14. */
  percent: number;
}

const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;

export function percentOf(spent: number, limit: number): number {
  return limit > 0 ? round((spent / limit) * 100, 6) : 0;
}

const SCOPE_FIELDS = ['agent', 'workflow', 'user', 'model'] as const;

/**
 * Spend of each budget over its current period, from the hourly cost rollup only (never raw
 * spans): one query per project (storage's `spendInWindows`), one `sumIf` per budget.
 */
export async function budgetSpends(store: Store, budgets: readonly BudgetRecord[], nowMs: number): Promise<BudgetSpend[]> {
  const byProject = new Map<string, BudgetRecord[]>();
  for (const b of budgets) byProject.set(b.project_id, [...(byProject.get(b.project_id) ?? []), b]);
  const out: BudgetSpend[] = [];
  for (const [projectId, list] of byProject) {
    const periods = list.map((b) => periodBounds(b.period, nowMs, b.timezone));
    const windows = list.map((b, i) => {
      const hours = hourRange(periods[i] as PeriodBounds);
      return { startMs: hours.start, endMs: hours.end, scope: b.scope };
    });
    const spends = await spendInWindows(store, projectId, windows);
    list.forEach((b, i) => {
      const spent = round(spends[i] ?? 0, 10);
      out.push({ budget: b, period: periods[i] as PeriodBounds, spent, percent: percentOf(spent, b.limit_usd) });
    });
  }
  return out;
}

/** Whether a budget's scope covers a run with these attributes (guard). Model scopes need a model. */
export function scopeCovers(b: BudgetRecord, run: { agent?: string; workflow?: string; user?: string; model?: string }): boolean {
  for (const field of SCOPE_FIELDS) {
    const want = b.scope[field];
    if (want !== undefined && run[field] !== want) return false;
  }
  return true;
}
