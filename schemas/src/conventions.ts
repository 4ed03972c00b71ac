/**
 * `@cairn/schemas/conventions`: the names and tables every part agrees on — attribute names,
 * span kinds, error codes, the price book and its model-id lookup — with no run-time dependency,
 * so the browser (dashboard) and the SDK import them without pulling typebox. The API schemas
 * (typebox) are in the package root, which re-exports everything here.
 */
export { ATTR, FOREIGN_ATTR, AUTONOMY_LEVELS, LIMIT_KINDS, CAP_ATTRS, GENAI_OPERATION } from './attributes.js';
export type { AutonomyLevel, LimitKind, CapField } from './attributes.js';
export { SPAN_KINDS, SPAN_STATUSES, COST_SOURCES, SPAN_COLUMNS, emptySpanRow } from './span-row.js';
export type { SpanKind, SpanStatus, CostSource, SpanRow } from './span-row.js';
export { ERROR_CODES, CairnError, isCairnError, errorBody } from './errors.js';
export type { ErrorCode, ErrorBody } from './errors.js';
export { PRICE_TABLE, DEFAULT_PRICE_BOOK, createPriceBook, computeCost } from './prices.js';
export type { ModelPrice, TokenUsage, PriceBook } from './prices.js';
export { normalizeModelId, createModelMatcher } from './model-id.js';
export type { ModelMatcher } from './model-id.js';
export { seededRandom } from './random.js';
export {
  CORRECT_MIN_VALUE,
  CORRECT_LABELS,
  INCORRECT_LABELS,
  HUMAN_SCORE_SOURCES,
  JUDGE_SCORE_SOURCES,
  scoreVerdict,
} from './outcomes.js';
