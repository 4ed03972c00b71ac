/**
 * The cost model's resampling on varied costs (no store: the report is a pure function), where
 * the draws within a class are random: their figures are checked against the analytic values
 * within a tolerance derived from the sampling error, and the report is reproducible by seed.
 */
import { describe, expect, it } from 'vitest';
import { buildCostModel, type CostModelRun } from '../src/index.js';

const runs = (costs: number[], over: Partial<CostModelRun> = {}): CostModelRun[] =>
  costs.map((cost_usd) => ({ cost_usd, failed: false, tool_calls: 2, failed_tool_calls: 0, retries: 0, replans: 0, ...over }));

// Baseline runs cost $0.01 … $1.00 (uniform: mean 0.505, σ ≈ 0.2887); replanning runs $2 … $3.
const baseline = runs(Array.from({ length: 100 }, (_, i) => (i + 1) / 100));
const replanning = runs(
  Array.from({ length: 50 }, (_, i) => 2 + i / 49),
  { replans: 1 },
);
const failing = runs([10, 20], { failed: true, tool_calls: 4, failed_tool_calls: 2, retries: 1 });
const input = {
  runs: [...baseline, ...replanning, ...failing],
  truncated: false,
  workflow: 'w',
  agent: null,
  from: '2026-11-01T00:00:00.000Z',
  to: '2026-12-01T00:00:00.000Z',
  edgeRate: 0.1,
  failureRate: 0.15,
  runsPerMonth: 1000,
  seed: 42,
  maxSessions: 5000,
};

describe('cost model resampling (seeded)', () => {
  it('gets the scenario means within the sampling error of the analytic mixture', () => {
    const r = buildCostModel(input);
    // 10,000 draws from a class with σ ≈ 0.29 have a standard error of 0.0029; with the class
    // counts exact (stratified), 5 standard errors (0.015) bound the error of the expected mean,
    // and the edge mean's error is at most 0.9·SE(baseline) + 0.1·SE(replanning) — below it too.
    expect(Math.abs(r.scenarios.expected!.mean_usd - 0.505)).toBeLessThan(0.015);
    expect(Math.abs(r.scenarios.edge!.mean_usd - (0.9 * 0.505 + 0.1 * 2.5))).toBeLessThan(0.015);
    // Nearest-rank quantiles of 10,000 uniform draws over 100 values land within 2 cents.
    expect(Math.abs(r.scenarios.expected!.p50_usd - 0.5)).toBeLessThanOrEqual(0.02);
    expect(Math.abs(r.scenarios.expected!.p90_usd - 0.9)).toBeLessThanOrEqual(0.02);
    expect(r.scenarios.edge!.p99_usd).toBeGreaterThan(2);
    // Failure mix: 2 of 4 calls fail in failing runs, baseline runs make 2: w = 0.3 / 1.7.
    const w = 0.3 / 1.7;
    expect(r.scenarios.failure!.mix.tool_failures).toBeCloseTo(w, 12);
    // $10 / $20 drawn evenly (SE of that class ≈ 5 / √1765 ≈ 0.12, weighted by w ≈ 0.021).
    expect(Math.abs(r.scenarios.failure!.mean_usd - ((1 - w) * 0.505 + w * 15))).toBeLessThan(0.15);
    expect(r.cap!.usd).toBeGreaterThanOrEqual(0.97); // the expected p99: about $0.99
    // The cap stops every failing-class draw ($10+), and baseline draws above it: the 1 % at $1.00
    // when the cap is $0.99 (≈ 82 of 8,235 draws; 2 % bounds it at over 9 standard errors).
    const k = Math.round(w * 10_000) / 10_000;
    expect(r.cap!.failure_runs_capped).toBeGreaterThanOrEqual(k);
    expect(r.cap!.failure_runs_capped).toBeLessThan(k + (1 - w) * 0.02);
    expect(r.cap!.failure_mean_capped_usd).toBeLessThanOrEqual(r.cap!.usd);
  });

  it('gives the same report for the same seed and different draws for another seed', () => {
    const a = buildCostModel(input);
    expect(buildCostModel(input)).toEqual(a);
    const b = buildCostModel({ ...input, seed: 43 });
    expect(b.scenarios.expected!.mean_usd).not.toBe(a.scenarios.expected!.mean_usd);
    // Changing one scenario's control leaves the other scenarios' draws alone.
    const c = buildCostModel({ ...input, edgeRate: 0.3 });
    expect(c.scenarios.failure).toEqual(a.scenarios.failure);
    expect(c.scenarios.expected).toEqual(a.scenarios.expected);
  });
});
