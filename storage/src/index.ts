export type { StoreConfig } from './config.js';
export { openConnections, ensureDatabase, serverClientOptions } from './connection.js';
export type { Connections } from './connection.js';
export { openStore } from './store.js';
export type { Store, InsertOptions, QueryParams, OpenStoreOptions } from './store.js';
export { migrate, pendingMigrations, loadMigrations, splitStatements, applyRetention, MIGRATIONS_DIR } from './migrations.js';
export type { Migration, MigrateOptions } from './migrations.js';
export { clusterMigrations, parseCreateTable, shardingKey, migrationsTableDdl, CLUSTER_SETTINGS } from './cluster.js';
export type { ParsedTable } from './cluster.js';
export { encodeSpanRow, encodeSpanRows, encodeSpanLines, selectSpanLines, encodeJsonRows } from './encode.js';
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
} from './keys.js';
export type { KeyKind, ApiKeyRecord, CreatedKey } from './keys.js';
export { insertDeadLetters, listDeadLetters, markRedriven } from './dead-letters.js';
export type { NewDeadLetter, DeadLetterRecord, DeadLetterFilter } from './dead-letters.js';
export { encodeTimeNs, SPAN_INSERT_SETTINGS } from './encode.js';
export { listStepOutcomes, listCalibrationAgents } from './calibration.js';
export type { CalibrationFilter, StepOutcomeRow } from './calibration.js';
export {
  reviewItemIdOf,
  newReviewItem,
  listReviewQueues,
  getReviewQueue,
  saveReviewQueue,
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
