import { Type, type Static } from 'typebox';
import { CountParam, TimeParam } from './api-bounds.js';

/**
 * `GET /api/cost-model`: what a workflow (or agent) costs per run in the expected, edge and
 * failure cases, from its recorded sessions resampled with a seeded generator, and the risk
 * exposure between them (README "Cost model"; ingest-api `cost-model/`).
 */

export const COST_MODEL_FORMATS = ['json', 'csv'] as const;
export type CostModelFormat = (typeof COST_MODEL_FORMATS)[number];
export const COST_SCENARIOS = ['expected', 'edge', 'failure'] as const;
export type CostScenarioName = (typeof COST_SCENARIOS)[number];

/** Defaults: 10 % unusual inputs that replan, 15 % failing tool calls (the usual planning figures). */
export const COST_MODEL_DEFAULTS = {
  edge_rate: 0.1,
  failure_rate: 0.15,
  runs_per_month: 10_000,
  seed: 1,
  max_sessions: 5_000,
  range_days: 30,
} as const;
/** Runs drawn per scenario: enough that a p99 rests on 100 draws. */
export const COST_MODEL_SAMPLES = 10_000;
/** The most sessions one report reads (storage `listCostModelSessions` enforces it too). */
export const COST_MODEL_MAX_SESSIONS = 20_000;

const Rate = (description: string) => Type.Number({ minimum: 0, maximum: 1, description });

export const CostModelQuery = Type.Object(
  {
    workflow: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: "The sessions' workflow. Default: any." })),
    agent: Type.Optional(
      Type.String({ minLength: 1, maxLength: 256, description: "The sessions' agent (the run's first agent). Default: any." }),
    ),
    from: Type.Optional(TimeParam('Sessions started at or after. Default: 30 days before `to`.')),
    to: Type.Optional(TimeParam('Sessions started before. Default: now.')),
    edge_rate: Type.Optional(Rate('Share of runs that are unusual inputs needing replanning (edge case). Default 0.1.')),
    failure_rate: Type.Optional(Rate('Share of tool calls that fail (failure case). Default 0.15.')),
    runs_per_month: Type.Optional({ ...CountParam('Run volume for the monthly risk exposure. Default 10,000.'), maximum: 1e12 }),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 4_294_967_295, description: 'Resampling seed. Default 1.' })),
    max_sessions: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: COST_MODEL_MAX_SESSIONS,
        description: 'Most sessions read, newest first. Default 5,000.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type CostModelQuery = Static<typeof CostModelQuery>;

/** `GET /api/cost-model/export`: the same report as a download. */
export const CostModelExportQuery = Type.Object(
  {
    ...CostModelQuery.properties,
    format: Type.Optional(
      Type.Enum(COST_MODEL_FORMATS, { description: '`csv` (default): `section,key,metric,value` lines; `json`: the report.' }),
    ),
  },
  { additionalProperties: false },
);
export type CostModelExportQuery = Static<typeof CostModelExportQuery>;

const Usd = Type.Number();
const UsdOrNull = Type.Union([Type.Number(), Type.Null()]);

export const CostDistribution = Type.Object({
  mean_usd: Usd,
  p50_usd: Usd,
  p90_usd: Usd,
  p99_usd: Usd,
  max_usd: Usd,
});
export type CostDistribution = Static<typeof CostDistribution>;

export const CostClass = Type.Object({
  runs: Type.Integer(),
  mean_usd: Type.Union([Type.Number(), Type.Null()], { description: 'Null when no recorded run is in the class.' }),
});
export type CostClass = Static<typeof CostClass>;

export const CostScenario = Type.Object({
  name: Type.Enum(COST_SCENARIOS),
  runs_sampled: Type.Integer(),
  /** Share of the sampled runs drawn from each class of recorded runs. */
  mix: Type.Object({ baseline: Type.Number(), replanning: Type.Number(), tool_failures: Type.Number() }),
  ...CostDistribution.properties,
});
export type CostScenario = Static<typeof CostScenario>;

export const CostModelResponse = Type.Object({
  workflow: Type.Union([Type.String(), Type.Null()]),
  agent: Type.Union([Type.String(), Type.Null()]),
  from: Type.String(),
  to: Type.String(),
  params: Type.Object({
    edge_rate: Type.Number(),
    failure_rate: Type.Number(),
    runs_per_month: Type.Number(),
    seed: Type.Integer(),
    samples: Type.Integer(),
    max_sessions: Type.Integer(),
  }),
  sessions: Type.Object({
    total: Type.Integer(),
    truncated: Type.Boolean({ description: 'More sessions matched than max_sessions: the oldest were left out.' }),
    tool_calls: Type.Integer(),
    failed_tool_calls: Type.Integer(),
  }),
  distribution: Type.Union([CostDistribution, Type.Null()], { description: 'Cost per recorded run; null with no runs.' }),
  histogram: Type.Array(Type.Object({ from_usd: Usd, to_usd: Usd, runs: Type.Integer() })),
  classes: Type.Object({
    successful: CostClass,
    failed: CostClass,
    with_retries: CostClass,
    with_replanning: CostClass,
    with_tool_failures: CostClass,
    baseline: CostClass,
  }),
  scenarios: Type.Object({
    expected: Type.Union([CostScenario, Type.Null()]),
    edge: Type.Union([CostScenario, Type.Null()]),
    failure: Type.Union([CostScenario, Type.Null()]),
  }),
  failure_to_expected: Type.Union([Type.Number(), Type.Null()], { description: 'Mean failure-case cost over expected.' }),
  risk: Type.Object({
    per_run_usd: UsdOrNull,
    per_month_usd: UsdOrNull,
  }),
  cap: Type.Union([
    Type.Object({
      usd: Usd,
      basis: Type.String(),
      failure_mean_capped_usd: Usd,
      failure_runs_capped: Type.Number({ description: 'Share of failure-case runs the cap would stop.' }),
      risk_per_month_capped_usd: Usd,
    }),
    Type.Null(),
  ]),
  notes: Type.Array(Type.String()),
});
export type CostModelResponse = Static<typeof CostModelResponse>;
