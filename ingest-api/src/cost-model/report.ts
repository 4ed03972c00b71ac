import { COST_MODEL_SAMPLES, type CostClass, type CostModelResponse } from '@cairn/schemas';
import { distribution, histogram, mean } from './stats.js';
import { failureShare, resample, type Pools } from './scenarios.js';

/** One recorded run, as storage's `listCostModelSessions` reads it (only the fields used here). */
export interface CostModelRun {
  cost_usd: number;
  failed: boolean;
  tool_calls: number;
  failed_tool_calls: number;
  retries: number;
  replans: number;
}

export interface CostModelInput {
  runs: readonly CostModelRun[];
  truncated: boolean;
  workflow: string | null;
  agent: string | null;
  from: string;
  to: string;
  edgeRate: number;
  failureRate: number;
  runsPerMonth: number;
  seed: number;
  maxSessions: number;
  samples?: number;
}

const pct = (x: number): string => `${Math.round(x * 1000) / 10} %`;

function costClass(runs: readonly CostModelRun[]): CostClass {
  return { runs: runs.length, mean_usd: runs.length ? mean(runs.map((r) => r.cost_usd)) : null };
}

/**
 * The cost-model report, a pure function of the recorded runs and the parameters (no I/O, no
 * clock): the same input always gives the same report. Classes with no recorded run are said in
 * `notes` and their figures are null — nothing is invented.
 */
export function buildCostModel(input: CostModelInput): CostModelResponse {
  const samples = input.samples ?? COST_MODEL_SAMPLES;
  const { runs } = input;
  const notes: string[] = [];
  const baseline = runs.filter((r) => r.failed_tool_calls === 0 && r.replans === 0);
  const replanning = runs.filter((r) => r.replans > 0);
  const toolFailures = runs.filter((r) => r.failed_tool_calls > 0);
  const pools: Pools = {
    baseline: baseline.map((r) => r.cost_usd),
    replanning: replanning.map((r) => r.cost_usd),
    tool_failures: toolFailures.map((r) => r.cost_usd),
  };
  if (input.truncated) notes.push(`More sessions matched than ${input.maxSessions}: the newest ${runs.length} were used.`);
  if (runs.length === 0) notes.push('No ended session matched: nothing to model.');
  else if (baseline.length === 0) notes.push('No recorded run is free of tool failures and replanning: no expected case.');
  if (runs.length > 0 && replanning.length === 0) notes.push('No recorded run replanned: the edge case cannot be resampled.');
  if (runs.length > 0 && toolFailures.length === 0) {
    notes.push('No recorded run had a failed tool call: the failure case cannot be resampled.');
  }

  const expected = resample('expected', pools, { baseline: 1, replanning: 0, tool_failures: 0 }, samples, input.seed);
  const edge =
    input.edgeRate === 0 || replanning.length > 0
      ? resample(
          'edge',
          pools,
          { baseline: 1 - input.edgeRate, replanning: input.edgeRate, tool_failures: 0 },
          samples,
          input.seed,
        )
      : null;

  const toolCalls = runs.reduce((s, r) => s + r.tool_calls, 0);
  const failedToolCalls = runs.reduce((s, r) => s + r.failed_tool_calls, 0);
  let failure: ReturnType<typeof resample> = null;
  if (input.failureRate === 0 || toolFailures.length > 0) {
    const rates = {
      baselineCalls: baseline.length ? mean(baseline.map((r) => r.tool_calls)) : 0,
      failingCalls: toolFailures.length ? mean(toolFailures.map((r) => r.tool_calls)) : 0,
      failingFailed: toolFailures.length ? mean(toolFailures.map((r) => r.failed_tool_calls)) : 0,
    };
    const w = failureShare(input.failureRate, rates);
    if (!w.reached) {
      notes.push(
        `The recorded runs with tool failures fail ${pct(rates.failingFailed / rates.failingCalls)} of their tool calls, ` +
          `which no mix with the baseline raises to ${pct(input.failureRate)}: every failure-case run is drawn from them.`,
      );
    }
    failure = resample('failure', pools, { baseline: 1 - w.share, replanning: 0, tool_failures: w.share }, samples, input.seed);
  }

  const e = expected?.scenario.mean_usd;
  const f = failure?.scenario.mean_usd;
  const perRun = e !== undefined && f !== undefined ? f - e : null;
  let cap: CostModelResponse['cap'] = null;
  if (expected && failure && e !== undefined) {
    // A per-run cap at the expected case's p99 stops almost no normal run (1 in 100 at most) and
    // cuts the failure case's tail. A stopped run costs the cap plus the call that crossed it,
    // so the capped figures are a lower bound.
    const usd = expected.scenario.p99_usd;
    const capped = failure.draws.map((c) => Math.min(c, usd));
    cap = {
      usd,
      basis: 'p99 of the expected case',
      failure_mean_capped_usd: mean(capped),
      failure_runs_capped: failure.draws.filter((c) => c > usd).length / failure.draws.length,
      risk_per_month_capped_usd: (mean(capped) - e) * input.runsPerMonth,
    };
  }
  let ratio: number | null = null;
  if (e !== undefined && f !== undefined) {
    if (e > 0) ratio = f / e;
    else notes.push('The expected case costs nothing: no failure/expected ratio.');
  }

  return {
    workflow: input.workflow,
    agent: input.agent,
    from: input.from,
    to: input.to,
    params: {
      edge_rate: input.edgeRate,
      failure_rate: input.failureRate,
      runs_per_month: input.runsPerMonth,
      seed: input.seed,
      samples,
      max_sessions: input.maxSessions,
    },
    sessions: { total: runs.length, truncated: input.truncated, tool_calls: toolCalls, failed_tool_calls: failedToolCalls },
    distribution: distribution(runs.map((r) => r.cost_usd)),
    histogram: histogram(runs.map((r) => r.cost_usd)),
    classes: {
      successful: costClass(runs.filter((r) => !r.failed)),
      failed: costClass(runs.filter((r) => r.failed)),
      with_retries: costClass(runs.filter((r) => r.retries > 0)),
      with_replanning: costClass(replanning),
      with_tool_failures: costClass(toolFailures),
      baseline: costClass(baseline),
    },
    scenarios: { expected: expected?.scenario ?? null, edge: edge?.scenario ?? null, failure: failure?.scenario ?? null },
    failure_to_expected: ratio,
    risk: { per_run_usd: perRun, per_month_usd: perRun === null ? null : perRun * input.runsPerMonth },
    cap,
    notes,
  };
}
