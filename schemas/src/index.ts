export { ATTR, FOREIGN_ATTR, AUTONOMY_LEVELS, LIMIT_KINDS } from './attributes.js';
export type { AutonomyLevel, LimitKind } from './attributes.js';
export { SPAN_KINDS, SPAN_STATUSES, COST_SOURCES, SPAN_COLUMNS } from './span-row.js';
export type { SpanKind, SpanStatus, CostSource, SpanRow } from './span-row.js';
export { ERROR_CODES, CairnError, isCairnError, errorBody } from './errors.js';
export type { ErrorCode, ErrorBody } from './errors.js';
export { PRICE_TABLE, DEFAULT_PRICE_BOOK, createPriceBook, computeCost, normalizeModelId } from './prices.js';
export type { ModelPrice, TokenUsage, PriceBook } from './prices.js';
export { ErrorResponse, HealthResponse } from './api.js';
