import { rawSql, type Store } from '../store.js';
import { chTime } from '../queries/time.js';

/**
 * Webhook deliveries: their state (`webhook_deliveries`, ReplacingMergeTree, one row per
 * delivery) and the log of every attempt (`webhook_attempts`, append-only).
 */

/** A pending delivery as the sender reads it. */
export interface DueDelivery {
  project_id: string;
  delivery_id: string;
  alert_id: string;
  webhook_id: string;
  event: string;
  attempts: number;
  created_at: string;
}

/** The outcome of one attempt, as logged. */
export interface AttemptOutcome {
  statusCode: number | null;
  latencyMs: number;
  error: string;
}

export interface DeliveryState {
  status: DeliveryStateRow['status'];
  attempts: number;
  next: number;
  code: number;
  error: string;
}

export interface DeliveryAttemptRow {
  delivery_id: string;
  alert_id: string;
  event: string;
  attempt: number;
  attempted_at: string;
  status_code: number;
  latency_ms: number;
  success: number;
  error: string;
}

export interface DeliveryStateRow {
  delivery_id: string;
  alert_id: string;
  event: string;
  status: 'pending' | 'delivered' | 'failed' | 'cancelled';
  attempts: number;
  next_attempt_at: string;
  last_status_code: number;
  last_error: string;
}

/**
 * A delivery row's version: attempt count first, so a state written after attempt n always
 * beats one written after attempt n-1 whatever the writers' clocks say; the fired row is 0.
 */
const versionOf = (attempts: number, nowMs: number): number => attempts * 1e13 + nowMs;

/** A delivery a newly fired alert opens: one per alert × webhook. */
export interface NewDelivery {
  project_id: string;
  /** Stable per alert × webhook (the receiver's idempotency key). */
  delivery_id: string;
  alert_id: string;
  webhook_id: string;
  /** The alert type, sent as `X-Cairn-Event`. */
  event: string;
}

/** A `webhook_deliveries` row as inserted: the delivery's state, one version per change. */
interface DeliveryRow extends NewDelivery {
  status: DeliveryStateRow['status'];
  attempts: number;
  next_attempt_at: string;
  last_status_code: number;
  last_error: string;
  created_at: string;
  updated_at: string;
  version: number;
}

/** The first row of a delivery: pending, due now, version 0 (any later state overrides it). */
export function pendingRow(d: NewDelivery, nowMs: number): DeliveryRow {
  return {
    project_id: d.project_id,
    delivery_id: d.delivery_id,
    alert_id: d.alert_id,
    webhook_id: d.webhook_id,
    event: d.event,
    status: 'pending',
    attempts: 0,
    next_attempt_at: chTime(nowMs),
    last_status_code: 0,
    last_error: '',
    created_at: chTime(nowMs),
    updated_at: chTime(nowMs),
    version: 0,
  };
}

/** Logs one attempt of a delivery (`attempt` counts from 1). */
export async function logAttempt(
  store: Store,
  row: DueDelivery,
  attempt: number,
  nowMs: number,
  r: AttemptOutcome,
  owner: string,
): Promise<void> {
  await rawSql(store).insertRows('webhook_attempts', [
    {
      project_id: row.project_id,
      webhook_id: row.webhook_id,
      delivery_id: row.delivery_id,
      alert_id: row.alert_id,
      event: row.event,
      attempt,
      attempted_at: chTime(nowMs),
      status_code: r.statusCode ?? 0,
      latency_ms: r.latencyMs,
      error: r.error.slice(0, 2000),
      success: r.statusCode !== null && r.statusCode >= 200 && r.statusCode < 300 ? 1 : 0,
      engine_id: owner,
    },
  ]);
}

/** Writes a delivery's new state as a new version. */
export async function writeDeliveryState(store: Store, row: DueDelivery, s: DeliveryState, nowMs: number): Promise<void> {
  const next: DeliveryRow = {
    project_id: row.project_id,
    delivery_id: row.delivery_id,
    alert_id: row.alert_id,
    webhook_id: row.webhook_id,
    event: row.event,
    status: s.status,
    attempts: s.attempts,
    next_attempt_at: chTime(s.next),
    last_status_code: s.code,
    last_error: s.error.slice(0, 2000),
    created_at: row.created_at,
    updated_at: chTime(nowMs),
    version: versionOf(s.attempts, nowMs),
  };
  await rawSql(store).insertRows('webhook_deliveries', [next]);
}

/** Pending deliveries whose next attempt is due at `nowMs`, oldest due first. */
export async function dueDeliveries(store: Store, nowMs: number, limit: number): Promise<DueDelivery[]> {
  return rawSql(store).query<DueDelivery>(
    `SELECT project_id, delivery_id, alert_id, webhook_id, event, attempts, toString(created_at) AS created_at
     FROM webhook_deliveries FINAL
     WHERE status = 'pending' AND next_attempt_at <= toDateTime64({now:String}, 3, 'UTC')
     ORDER BY next_attempt_at LIMIT {n:UInt32}`,
    { now: chTime(nowMs), n: limit },
  );
}

/** A webhook's delivery log: its latest attempts and its deliveries' states, newest first. */
export async function listDeliveries(
  store: Store,
  projectId: string,
  webhookId: string,
  opts: { limit: number; alertId?: string },
): Promise<{ attempts: DeliveryAttemptRow[]; states: DeliveryStateRow[] }> {
  const params = { p: projectId, w: webhookId, n: opts.limit, a: opts.alertId ?? '' };
  const alertFilter = opts.alertId !== undefined ? 'AND alert_id = {a:String}' : '';
  const [attempts, states] = await Promise.all([
    rawSql(store).query<DeliveryAttemptRow>(
      `SELECT delivery_id, alert_id, event, attempt, toString(attempted_at) AS attempted_at, status_code, latency_ms, success, error
       FROM webhook_attempts WHERE project_id = {p:String} AND webhook_id = {w:String} ${alertFilter}
       ORDER BY attempted_at DESC, attempt DESC LIMIT {n:UInt32}`,
      params,
    ),
    rawSql(store).query<DeliveryStateRow>(
      `SELECT delivery_id, alert_id, event, status, attempts, toString(next_attempt_at) AS next_attempt_at, last_status_code, last_error
       FROM webhook_deliveries FINAL WHERE project_id = {p:String} AND webhook_id = {w:String} ${alertFilter}
       ORDER BY created_at DESC, delivery_id LIMIT {n:UInt32}`,
      params,
    ),
  ]);
  return { attempts, states };
}
