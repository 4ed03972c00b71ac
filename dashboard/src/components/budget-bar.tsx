import type { BudgetStatus } from '../api/types';
import { budgetState, projectedSpend } from '../lib/budgets';
import { money, percent } from '../lib/format';

/** Spend against the limit with a tick at each threshold and, optionally, the projection. */
export function BudgetBar({ s, projection = false }: { s: BudgetStatus; projection?: boolean }) {
  const state = budgetState(s);
  const scale = Math.max(100, ...s.budget.thresholds, s.percent);
  const proj = projection ? projectedSpend(s) : undefined;
  const projPct = proj !== undefined ? (proj / s.limit_usd) * 100 : undefined;
  return (
    <div className="budget-bar" data-testid="budget-bar" data-state={state} data-percent={s.percent.toFixed(2)}>
      <div className="progress" title={`${money(s.spent_usd)} of ${money(s.limit_usd)}`}>
        <i
          className={state === 'ok' ? '' : state === 'warning' ? 'warning' : 'exceeded'}
          style={{ width: `${Math.min(100, (s.percent / scale) * 100)}%` }}
        />
        {projPct !== undefined && projPct > s.percent ? (
          <i
            className="projection"
            style={{ left: `${(s.percent / scale) * 100}%`, width: `${((Math.min(scale, projPct) - s.percent) / scale) * 100}%` }}
          />
        ) : null}
        {s.budget.thresholds.map((t) => (
          <b
            key={t}
            style={{ left: `${(t / scale) * 100}%` }}
            title={`${t}%${s.thresholds_alerted.includes(t) ? ' (alerted)' : ''}`}
            className={s.thresholds_crossed.includes(t) ? 'crossed' : undefined}
          />
        ))}
      </div>
      <div className="small row gap">
        <span>
          <b>{money(s.spent_usd)}</b> / {money(s.limit_usd)} · {percent(s.percent, 1)}
        </span>
        {proj !== undefined ? <span className="muted">→ {money(proj)} projected by period end</span> : null}
      </div>
    </div>
  );
}
