import { seededRandom, type CostScenario, type CostScenarioName } from '@cairn/schemas';
import { distribution } from './stats.js';

/*
 * The three scenarios are mixtures of classes of recorded runs, resampled (README "Cost model"):
 * - baseline: runs with no failed tool call and no replanning;
 * - replanning: runs that replanned; tool_failures: runs with a failed tool call.
 * Sampling is stratified: a scenario of N runs takes exactly round(share × N) runs from each
 * class (so the mix is exact, not itself a random draw) and draws the runs within a class
 * uniformly with replacement from a seeded generator. Each scenario has its own generator
 * (seed mixed with the scenario's index), so moving one scenario's slider leaves the others'
 * draws unchanged, and the same seed and data always give the same report.
 */

export interface Pools {
  baseline: readonly number[];
  replanning: readonly number[];
  tool_failures: readonly number[];
}
export type Mix = CostScenario['mix'];
type PoolName = keyof Pools;

const SALT: Record<CostScenarioName, number> = { expected: 0x9e3779b9, edge: 0x85ebca6b, failure: 0xc2b2ae35 };

export interface Sampled {
  scenario: CostScenario;
  /** The drawn costs (for the cap's effect on this scenario). */
  draws: number[];
}

/** Draws `samples` runs of the mix; null when a class the mix needs has no recorded run. */
export function resample(name: CostScenarioName, pools: Pools, mix: Mix, samples: number, seed: number): Sampled | null {
  const random = seededRandom((seed ^ SALT[name]) >>> 0);
  const draws: number[] = [];
  const names = Object.keys(mix) as PoolName[];
  let left = samples;
  names.forEach((pool, i) => {
    const k = i === names.length - 1 ? left : Math.min(left, Math.round(mix[pool] * samples));
    left -= k;
    const from = pools[pool];
    if (k > 0 && from.length === 0) return;
    for (let j = 0; j < k; j++) draws.push(from[Math.floor(random() * from.length)]!);
  });
  if (draws.length !== samples) return null;
  return { scenario: { name, runs_sampled: samples, mix, ...distribution(draws)! }, draws };
}

export interface ToolCallRates {
  /** Mean tool calls per baseline run. */
  baselineCalls: number;
  /** Mean tool calls and failed tool calls per run with tool failures. */
  failingCalls: number;
  failingFailed: number;
}

/**
 * The share w of failure-case runs drawn from the runs with tool failures (the rest from the
 * baseline) such that, over the scenario, failed tool calls / tool calls = `rate`:
 *   w·F / (w·T_f + (1 − w)·T_b) = rate  ⇒  w = rate·T_b / (F − rate·(T_f − T_b)).
 * When the recorded failing runs fail less often than asked (w would exceed 1), or the baseline
 * makes no tool calls (no mix can reach a given share), every run is drawn from the failing
 * runs: `reached` says whether the share was matched.
 */
export function failureShare(rate: number, r: ToolCallRates): { share: number; reached: boolean } {
  if (rate <= 0) return { share: 0, reached: true };
  if (r.baselineCalls <= 0) return { share: 1, reached: false };
  const denominator = r.failingFailed - rate * (r.failingCalls - r.baselineCalls);
  const w = denominator > 0 ? (rate * r.baselineCalls) / denominator : Infinity;
  return w <= 1 ? { share: w, reached: true } : { share: 1, reached: false };
}
