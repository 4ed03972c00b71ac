/**
 * `@cairn/alerts`: the alert engine (README.md). `cairn start` runs it next to the API and
 * `cairn worker` runs it alone; the API imports the pieces its routes share with the engine
 * (detector settings, budget spend, webhook signing, targets and test sends, review items).
 */
export { createAlertEngine, startAlertEngine, budgetDrafts } from './engine.js';
export type { AlertEngine, AlertEngineConfig, AlertEngineDeps, TickResult } from './engine.js';
export { fireAlerts } from './fire.js';
export { alertIdOf, deliveryIdOf, eventBody, slackBody } from './payloads.js';
export type { AlertDraft } from './payloads.js';
export { periodBounds, hourRange, assertTimeZone, isValidTimeZone } from './budgets/periods.js';
export type { PeriodBounds } from './budgets/periods.js';
export { budgetSpends, percentOf, scopeCovers } from './budgets/spend.js';
export type { BudgetSpend } from './budgets/spend.js';
export { DETECTORS, DEFAULT_DETECTOR_SETTINGS, loadDetectorSettings, saveDetectorSettings } from './detectors/index.js';
export type { Detector, DetectorContext } from './detectors/index.js';
export { sendTestEvent } from './delivery/delivery.js';
export { sendWebhook } from './delivery/http-send.js';
export type { WebhookSender, SendResult, SendOptions } from './delivery/http-send.js';
export { generateWebhookSecret, signPayload, verifySignature } from './delivery/signing.js';
export { assertPublicTarget, isLocalhostName, isPrivateAddress } from './delivery/target.js';
export { openItems, publicItem, itemAlert } from './reviews/items.js';
export type { ItemDraft } from './reviews/items.js';
