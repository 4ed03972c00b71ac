export type { StoreConfig } from './config.js';
export { openConnections, ensureDatabase, dropDatabase, serverClientOptions } from './connection.js';
export type { Connections } from './connection.js';
export { openStore, pingStore } from './store.js';
export { runInAbortScope, outsideAbortScope, currentAbortSignal, isAbortError } from './statement-scope.js';
export { SharedLookups } from './shared-lookup.js';
export { trackedMemoryBytes } from './memory.js';
export type { Store, InsertOptions, OpenStoreOptions } from './store.js';
// Row versions of the ReplacingMergeTree tables (storage/src/versioned-table.ts).
export { nextVersion } from './versioned-table.js';
export { migrate, pendingMigrations, loadMigrations, splitStatements, applyRetention, MIGRATIONS_DIR } from './migrations.js';
export type { Migration, MigrateOptions } from './migrations.js';
export { clusterMigrations, parseCreateTable, shardingKey, migrationsTableDdl, CLUSTER_SETTINGS } from './cluster.js';
export type { ParsedTable } from './cluster.js';
export { encodeSpanRow, encodeSpanRows, encodeSpanLines, selectSpanLines, encodeJsonRows } from './encode.js';
export { encodeSpanRowsBinary, selectBinaryRows, SPAN_BINARY_FORMAT, type BinarySpanRows } from './encode-binary.js';
export {
  DEFAULT_PROJECT_ID,
  hashKey,
  generateKey,
  keyKindOf,
  ensureProject,
  listProjects,
  createKey,
  findKey,
  listKeys,
  revokeKey,
  hasKeys,
  createKeyResolver,
  getProjectName,
} from './keys.js';
export type { KeyKind, ApiKeyRecord, CreatedKey, KeyResolver } from './keys.js';
export { createAuthSession, findAuthSession, revokeAuthSession } from './auth-sessions.js';
export type { AuthSessionKey } from './auth-sessions.js';
export { insertDeadLetters, listDeadLetters, markRedriven } from './dead-letters.js';
export type { NewDeadLetter, DeadLetterRecord, DeadLetterFilter } from './dead-letters.js';
export { encodeTimeNs, SPAN_INSERT_SETTINGS } from './encode.js';
// Read-path queries of the API (storage/src/queries): typed functions over the store.
export { encodeCursor, decodeCursor, cursorString, cursorNumber } from './queries/cursor.js';
export { parseTime, isoFromNs, chTime } from './queries/time.js';
export { SESSION_AGGREGATES, sessionAggregateColumns } from './queries/session-aggregate.js';
export type { SessionAggregate } from './queries/session-aggregate.js';
export { listSessions } from './queries/session-list.js';
export type { SessionFilters, SessionPageRequest } from './queries/session-list.js';
export { anomaliesOf } from './queries/session-anomalies.js';
export { titlesOf } from './queries/session-titles.js';
export { getSessionCaps } from './queries/session-caps.js';
export { getSessionHead } from './queries/session-detail.js';
export type { SessionHead } from './queries/session-detail.js';
export { parentsFirst, getSteps } from './queries/replay.js';
export type { OrderedSpan, StepsPage } from './queries/replay.js';
export { toStepDetail, getSpan, getPreviousState, getFullSpans, parseJson } from './queries/spans.js';
export type { FullSpanRow } from './queries/spans.js';
export { insertScore, listScores, sessionHasSpan } from './queries/scores.js';
export { getCosts, OTHER_KEY } from './queries/costs.js';
export type { CostsRequest } from './queries/costs.js';
export { toDeadLetter, redriveDeadLetters } from './queries/dead-letters.js';
export { listCostModelSessions } from './cost-model.js';
export type { CostModelFilter, CostModelSessionRow, CostModelSessions } from './cost-model.js';
export { listStepOutcomes, listCalibrationAgents } from './calibration.js';
export type { CalibrationFilter, StepOutcomeRow } from './calibration.js';
export {
  reviewItemIdOf,
  newReviewItem,
  listReviewQueues,
  getReviewQueue,
  saveReviewQueue,
  deleteReviewQueue,
  pickQueue,
  getReviewItem,
  existingReviewItems,
  openReviewItems,
  updateReviewItem,
  listReviewItems,
  listDecidedItems,
  overdueReviewItems,
  dueSortKey,
  blankEvent,
  listReviewEvents,
} from './reviews.js';
export type {
  FallbackPolicy,
  ItemStatus,
  ItemDecision,
  ReviewQueueRecord,
  ReviewItemRecord,
  ReviewEventRecord,
  ReviewItemFilter,
  NewReviewItem,
} from './reviews.js';
export {
  listThresholds,
  putThreshold,
  thresholdFor,
  reviewCandidates,
  anomalyCandidates,
  sessionEscalationEvents,
} from './review-sources.js';
export type { ThresholdRecord, CandidateRule, ReviewCandidate } from './review-sources.js';
// The alert engine's tables (storage/src/alerts): budgets, webhooks, alerts, deliveries, claims,
// detector settings, and the reads of the spend check and the anomaly detectors.
export { isoOfCh, msOfCh } from './alerts/versions.js';
export { listBudgets, getBudget, saveBudget, deleteBudget, publicBudget } from './alerts/budgets.js';
export type { BudgetRecord } from './alerts/budgets.js';
export { listWebhooks, webhooksById, getWebhook, saveWebhook, deleteWebhook, publicWebhook } from './alerts/webhooks.js';
export type { WebhookRecord } from './alerts/webhooks.js';
export { existingAlerts, writeFiredAlerts, alertPayloads, listAlerts, alertedThresholds } from './alerts/alerts.js';
export type { AlertRow, AlertFilter, FiredAlert, SessionFlag, Firing } from './alerts/alerts.js';
export { logAttempt, writeDeliveryState, dueDeliveries, listDeliveries } from './alerts/deliveries.js';
export type {
  DueDelivery,
  NewDelivery,
  AttemptOutcome,
  DeliveryState,
  DeliveryAttemptRow,
  DeliveryStateRow,
} from './alerts/deliveries.js';
export { claim } from './alerts/claims.js';
export type { ClaimOptions } from './alerts/claims.js';
export { getDetectorSettingsJson, putDetectorSettingsJson } from './alerts/detector-settings.js';
export { spendInWindows } from './alerts/spend.js';
export type { SpendWindow } from './alerts/spend.js';
export { agentBaselineRows, recentSessionFigures, repeatedToolCalls, erringSessions } from './alerts/detectors.js';
export type { AgentSampleRow, AgentRateRow, SessionFigures, RepeatedToolCall } from './alerts/detectors.js';
