import type { Store } from '@cairn/storage';
import { hourRange, periodBounds, type PeriodBounds } from './periods.js';
import type { BudgetRecord } from './repo.js';

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

const SCOPE_COLUMNS = [
  ['agent', 'agent_name'],
  ['workflow', 'workflow'],
  ['user', 'user_id'],
  ['model', 'model'],
] as const;

/**
 * Spend of each budget over its current period, from the hourly cost rollup only (never raw
 * spans): one query per project, one `sumIf` per budget.
 */
export async function budgetSpends(store: Store, budgets: readonly BudgetRecord[], nowMs: number): Promise<BudgetSpend[]> {
  const byProject = new Map<string, BudgetRecord[]>();
  for (const b of budgets) byProject.set(b.project_id, [...(byProject.get(b.project_id) ?? []), b]);
  const out: BudgetSpend[] = [];
  for (const [projectId, list] of byProject) {
    const params: Record<string, unknown> = { p: projectId };
    const periods = list.map((b) => periodBounds(b.period, nowMs, b.timezone));
    let minStart = Number.POSITIVE_INFINITY;
    let maxEnd = 0;
    const columns = list.map((b, i) => {
      const hours = hourRange(periods[i] as PeriodBounds);
      minStart = Math.min(minStart, hours.start);
      maxEnd = Math.max(maxEnd, hours.end);
      params[`s${i}`] = hours.start / 1000;
      params[`e${i}`] = hours.end / 1000;
      const conds = [`hour >= toDateTime({s${i}:UInt32}, 'UTC')`, `hour < toDateTime({e${i}:UInt32}, 'UTC')`];
      for (const [field, column] of SCOPE_COLUMNS) {
        const v = b.scope[field];
        if (v !== undefined) {
          conds.push(`${column} = {${field}${i}:String}`);
          params[`${field}${i}`] = v;
        }
      }
      return `sumIf(cost_usd, ${conds.join(' AND ')}) AS b${i}`;
    });
    params.from = minStart / 1000;
    params.to = maxEnd / 1000;
    const rows = await store.query<Record<string, number>>(
      `SELECT ${columns.join(', ')} FROM cost_hourly
       WHERE project_id = {p:String} AND hour >= toDateTime({from:UInt32}, 'UTC') AND hour < toDateTime({to:UInt32}, 'UTC')`,
      params,
    );
    const row = rows[0] ?? {};
    list.forEach((b, i) => {
      const spent = round(Number(row[`b${i}`] ?? 0), 10);
      out.push({ budget: b, period: periods[i] as PeriodBounds, spent, percent: percentOf(spent, b.limit_usd) });
    });
  }
  return out;
}

/** Whether a budget's scope covers a run with these attributes (guard). Model scopes need a model. */
export function scopeCovers(b: BudgetRecord, run: { agent?: string; workflow?: string; user?: string; model?: string }): boolean {
  for (const [field] of SCOPE_COLUMNS) {
    const want = b.scope[field];
    if (want !== undefined && run[field] !== want) return false;
  }
  return true;
}
