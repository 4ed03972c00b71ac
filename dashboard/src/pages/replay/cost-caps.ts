import { money } from '../../lib/format';

/** The marks drawn for a run's cost cap, as for budgets (docs/ARCHITECTURE.md, "Budgets, alerts and hard stops": 50/80/100). */
export const CAP_MARKS = [50, 80, 100] as const;

export type CostCapView =
  | { kind: 'none' }
  /** Draw a labelled line per mark; the y-axis stretches to the 100 % line. */
  | { kind: 'lines'; capUsd: number; lines: { percent: number; usd: number; label: string }[] }
  /** The run stayed under half its cap: a note in the title, no lines. */
  | { kind: 'note'; capUsd: number; label: string };

/**
 * How the cumulative-cost chart shows the run's cost cap (`caps.max_cost_usd`). Lines only once
 * the run reached 50 % of the cap: a $0.01 run under a $0.25 cap would otherwise be squeezed
 * into the bottom 4 % of the chart to make room for lines it never came near, hiding the curve
 * the user came to read. Below that, the title says "cap $X" instead. `reachedUsd` is the run's
 * whole cost (the last cumulative value), so the choice does not flip while steps stream in.
 */
export function costCapView(capUsd: number | null | undefined, reachedUsd: number): CostCapView {
  if (capUsd === null || capUsd === undefined || !Number.isFinite(capUsd) || capUsd < 0) return { kind: 'none' };
  if (capUsd === 0 || reachedUsd < capUsd * 0.5) return { kind: 'note', capUsd, label: `cap ${money(capUsd)}` };
  return {
    kind: 'lines',
    capUsd,
    lines: CAP_MARKS.map((percent) => {
      const usd = (capUsd * percent) / 100;
      return { percent, usd, label: `${percent}% ${money(usd)}` };
    }),
  };
}
