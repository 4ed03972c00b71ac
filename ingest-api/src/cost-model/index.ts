/** The cost model: pure functions from recorded runs to the report (README "Cost model"). */
export { buildCostModel } from './report.js';
export type { CostModelInput, CostModelRun } from './report.js';
export { costModelCsv, COST_MODEL_CSV_HEADER } from './csv.js';
export { failureShare, resample } from './scenarios.js';
export type { Pools, ToolCallRates } from './scenarios.js';
export { quantile, distribution, histogram } from './stats.js';
