export { buildApp, API_VERSION } from './app.js';
export type { ApiDeps } from './app.js';
export type { ApiConfig } from './config.js';
export { Authenticator, authOf, SESSION_COOKIE } from './auth.js';
export type { AuthContext } from './auth.js';
export type { ApiInstance, RouteContext } from './types.js';
export { buildCostModel, costModelCsv, COST_MODEL_CSV_HEADER, failureShare } from './cost-model/index.js';
export type { CostModelInput, CostModelRun, ToolCallRates } from './cost-model/index.js';
