// The run-time-free part (attribute names, error codes, the price book) is also the subpath
// `@cairn/schemas/conventions` (conventions.ts), so the browser can import it without typebox.
export { ATTR, FOREIGN_ATTR, AUTONOMY_LEVELS, LIMIT_KINDS, CAP_ATTRS, GENAI_OPERATION } from './attributes.js';
export type { AutonomyLevel, LimitKind, CapField } from './attributes.js';
export { SPAN_KINDS, SPAN_STATUSES, COST_SOURCES, SPAN_COLUMNS, emptySpanRow } from './span-row.js';
export type { SpanKind, SpanStatus, CostSource, SpanRow } from './span-row.js';
// The span column table and its codecs (server side: storage's encoder, reader and schema test).
export { SPAN_TABLE, SPAN_INSERT_COLUMNS, SPAN_FIELD_COLUMNS, SPAN_SELECT, decodeSpanRow, encodeTimeNs } from './span-row.js';
export type { SpanCodec, SpanColumnDef, SpanFieldColumn, SpanDerivedColumn, SpanServerColumn } from './span-row.js';
export { ERROR_CODES, CairnError, isCairnError, errorBody } from './errors.js';
export type { ErrorCode, ErrorBody } from './errors.js';
export { PRICE_TABLE, DEFAULT_PRICE_BOOK, createPriceBook, computeCost } from './prices.js';
export type { ModelPrice, TokenUsage, PriceBook } from './prices.js';
export { normalizeModelId, createModelMatcher } from './model-id.js';
export type { ModelMatcher } from './model-id.js';
export { seededRandom } from './random.js';
export { ErrorResponse, HealthResponse } from './api.js';
export { afterBody, drainBody, DRAIN_MAX_BYTES, DRAIN_MAX_MS } from './drain-body.js';
export type { DrainableBody, DrainLimits, DrainResult } from './drain-body.js';
export { STORABLE_TIME_MIN_MS, STORABLE_TIME_MAX_MS, MAX_USD, TimeParam, UsdParam, CountParam } from './api-bounds.js';
export {
  SESSION_STATUSES,
  SESSION_SORTS,
  SCORE_SOURCES,
  SCORE_DATA_TYPES,
  SessionFilterFields,
  SessionListQuery,
  SessionSummary,
  SessionListResponse,
  SessionParams,
  StepParams,
  SessionDetailQuery,
  SessionCaps,
  Step,
  Score,
  SessionDetailResponse,
  StepDetail,
  StepDetailResponse,
  SessionExport,
  SessionExportQuery,
  ScoreBody,
  ScoreResponse,
} from './api-sessions.js';
export type { SessionStatus, SessionSort, ScoreSource } from './api-sessions.js';
export { COST_GROUP_BYS, COST_BUCKETS, CostsQuery, CostFigures, CostGroup, CostPoint, CostsResponse } from './api-costs.js';
export type { CostGroupBy, CostBucket } from './api-costs.js';
export {
  ApiKey,
  ApiKeyList,
  CreateKeyBody,
  CreatedKeyResponse,
  KeyParams,
  LoginBody,
  MeResponse,
  OkResponse,
} from './api-auth.js';
export {
  BUDGET_PERIODS,
  DEFAULT_THRESHOLDS,
  BudgetScope,
  CreateBudgetBody,
  UpdateBudgetBody,
  Budget,
  BudgetList,
  BudgetParams,
  BudgetStatus,
} from './api-budgets.js';
export type { BudgetPeriod } from './api-budgets.js';
export {
  WEBHOOK_FORMATS,
  CreateWebhookBody,
  UpdateWebhookBody,
  Webhook,
  WebhookList,
  CreatedWebhookResponse,
  WebhookParams,
  DeliveriesQuery,
  DeliveryAttempt,
  DeliveryState,
  DeliveriesResponse,
  TestDeliveryResponse,
} from './api-webhooks.js';
export type { WebhookFormat } from './api-webhooks.js';
export {
  ANOMALY_TYPES,
  ALERT_TYPES,
  AlertsQuery,
  Alert,
  AlertList,
  DetectorSettings,
  DetectorSettingsPatch,
} from './api-alerts.js';
export type { AnomalyType, AlertType } from './api-alerts.js';
export { GuardQuery, GuardBudget, GuardResponse } from './api-guard.js';
export { Price, PriceList, priceOf } from './api-prices.js';
export {
  DeadLettersQuery,
  DeadLetter,
  DeadLetterList,
  RedriveBody,
  RedriveResult,
  DEAD_LETTER_PREVIEW_CHARS,
} from './api-dead-letters.js';
export {
  COST_MODEL_FORMATS,
  COST_SCENARIOS,
  COST_MODEL_DEFAULTS,
  COST_MODEL_SAMPLES,
  COST_MODEL_MAX_SESSIONS,
  CostModelQuery,
  CostModelExportQuery,
  CostDistribution,
  CostClass,
  CostScenario,
  CostModelResponse,
} from './api-cost-model.js';
export type { CostModelFormat, CostScenarioName } from './api-cost-model.js';
export {
  CORRECT_MIN_VALUE,
  CORRECT_LABELS,
  INCORRECT_LABELS,
  HUMAN_SCORE_SOURCES,
  JUDGE_SCORE_SOURCES,
  scoreVerdict,
} from './outcomes.js';
export {
  CalibrationQuery,
  CalibrationBin,
  ThresholdRecommendation,
  AgreementLabel,
  JudgeAgreement,
  CalibrationResponse,
} from './api-calibration.js';
export {
  REVIEW_FALLBACKS,
  REVIEW_STATUSES,
  REVIEW_DECISIONS,
  REVIEW_RULES,
  REVIEW_EVENT_KINDS,
  REVIEW_SCORE_NAMES,
  MAX_REVIEW_JSON_CHARS,
  MAX_ESCALATION_WAIT_SECONDS,
  ReviewQueueScope,
  CreateReviewQueueBody,
  UpdateReviewQueueBody,
  ReviewQueue,
  ReviewQueueList,
  ReviewIdParams,
  ReviewItem,
  ReviewItemsQuery,
  ReviewItemList,
  ReviewEvent,
  ReviewItemDetail,
  ClaimBody,
  DecideBody,
  ReviewHistoryQuery,
  ReviewHistory,
  ReviewThreshold,
  ReviewThresholdList,
  PutThresholdBody,
  ThresholdQuery,
  EffectiveThreshold,
  EscalationBody,
  EscalationWaitQuery,
  EscalationStatus,
  SessionEscalation,
} from './api-reviews.js';
export type { ReviewFallback, ReviewStatus, ReviewDecision, ReviewRule, ReviewEventKind } from './api-reviews.js';
