import type { CostDistribution } from '@cairn/schemas';

/*
 * Order statistics of costs. Quantiles are nearest-rank (the smallest value with at least p of
 * the values at or below it): always a cost that was actually recorded or drawn, never an
 * interpolation between two runs, so a corpus of identical runs gives exactly their cost.
 */

/** Nearest-rank quantile of an ascending array (non-empty). */
export function quantile(sorted: readonly number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[i]!;
}

/**
 * Mean with compensated (Neumaier) summation: 10,000 draws of $0.10 sum to exactly $1,000, not
 * $1,000.0000000000159, so a corpus of identical runs gives exactly their cost.
 */
export function mean(values: readonly number[]): number {
  let s = 0;
  let c = 0;
  for (const v of values) {
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return (s + c) / values.length;
}

/** Mean, p50, p90, p99 and max of costs; null when there are none. */
export function distribution(values: readonly number[]): CostDistribution | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return {
    mean_usd: mean(values),
    p50_usd: quantile(sorted, 0.5),
    p90_usd: quantile(sorted, 0.9),
    p99_usd: quantile(sorted, 0.99),
    max_usd: sorted[sorted.length - 1]!,
  };
}

export interface HistogramBin {
  from_usd: number;
  to_usd: number;
  runs: number;
}

/**
 * Runs per cost bin, for the distribution chart. Agent costs are heavy-tailed, so when the
 * largest cost is ten times the smallest positive one or more the bins are equal in log scale
 * (zero-cost runs join the first bin); otherwise equal in width. The last bin includes its top.
 */
export function histogram(values: readonly number[], bins = 12): HistogramBin[] {
  if (values.length === 0) return [];
  const max = Math.max(...values);
  const positive = values.filter((v) => v > 0);
  const minPos = positive.length ? Math.min(...positive) : 0;
  const min = Math.min(...values);
  if (max === min) return [{ from_usd: min, to_usd: max, runs: values.length }];
  const log = minPos > 0 && max / minPos >= 10;
  const edges: number[] = [];
  for (let i = 0; i <= bins; i++) {
    edges.push(log ? minPos * Math.pow(max / minPos, i / bins) : min + ((max - min) * i) / bins);
  }
  edges[0] = log ? Math.min(min, minPos) : min;
  edges[bins] = max;
  const out = edges.slice(0, bins).map((from, i) => ({ from_usd: from, to_usd: edges[i + 1]!, runs: 0 }));
  for (const v of values) {
    let i = out.findIndex((b) => v < b.to_usd);
    if (i < 0) i = bins - 1;
    out[i]!.runs += 1;
  }
  return out;
}
