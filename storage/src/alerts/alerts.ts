import type { AlertType, AnomalyType } from '@cairn/schemas';
import { rawSql, type Store } from '../store.js';
import { chTime } from '../queries/time.js';
import { pendingRow, type NewDelivery } from './deliveries.js';

/** Fired alerts (`alerts`, ReplacingMergeTree keyed by alert id) and the session flags they write. */

/** One `alerts` row as read back for the API (times as ClickHouse prints them, UTC). */
export interface AlertRow {
  alert_id: string;
  type: AlertType;
  created_at: string;
  message: string;
  budget_id: string;
  session_id: string;
  agent_name: string;
  threshold: number;
  period_start: string;
  period_end: string;
  spent_usd: number;
  limit_usd: number;
  percent: number;
  payload: string;
}

/**
 * An alert as the engine fires it. Times are epoch milliseconds; storage encodes the row (`chTime`
 * literals, the version). Fields that do not apply to the alert's type are '' or 0.
 */
export interface FiredAlert {
  project_id: string;
  alert_id: string;
  type: AlertType;
  /** What the alert is about; the id derives from it (one alert per key, ever). */
  alert_key: string;
  budget_id: string;
  session_id: string;
  agent_name: string;
  threshold: number;
  period_start_ms: number;
  period_end_ms: number;
  spent_usd: number;
  limit_usd: number;
  percent: number;
  message: string;
  /** The JSON event body the webhooks receive. */
  payload: string;
}

/** A session an anomaly alert flagged (`session_anomalies`, read by `GET /api/sessions?anomaly=`). */
export interface SessionFlag {
  project_id: string;
  session_id: string;
  type: AnomalyType;
  alert_id: string;
}

/** What one firing writes, all at the same time `nowMs`. */
export interface Firing {
  /** One pending delivery per alert × webhook. */
  deliveries: readonly NewDelivery[];
  flags: readonly SessionFlag[];
  alerts: readonly FiredAlert[];
}

/** An `alerts` row as inserted. */
interface AlertInsertRow extends Omit<FiredAlert, 'period_start_ms' | 'period_end_ms'> {
  period_start: string;
  period_end: string;
  created_at: string;
  version: number;
}

/** A `session_anomalies` row as inserted. */
interface SessionFlagRow extends SessionFlag {
  created_at: string;
}

/**
 * Version 1e13 − created_at: two engines firing the same alert at once write the same id, and
 * FINAL keeps the earliest writer's body for every later reader.
 */
function alertRow(a: FiredAlert, nowMs: number): AlertInsertRow {
  const { period_start_ms, period_end_ms, ...rest } = a;
  return {
    ...rest,
    period_start: chTime(period_start_ms),
    period_end: chTime(period_end_ms),
    created_at: chTime(nowMs),
    version: Math.max(0, 1e13 - nowMs),
  };
}

/** Alert ids among `ids` that exist already. */
export async function existingAlerts(store: Store, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await rawSql(store).query<{ alert_id: string }>(
    'SELECT DISTINCT alert_id FROM alerts WHERE alert_id IN {ids:Array(String)}',
    { ids: [...ids] },
  );
  return new Set(rows.map((r) => r.alert_id));
}

/**
 * Writes a firing in this order: pending deliveries, session flags, then the alerts themselves
 * (the alert row last, so a crash before it makes the next tick fire again with the same ids).
 */
export async function writeFiredAlerts(store: Store, firing: Firing, nowMs: number): Promise<void> {
  await rawSql(store).insertRows(
    'webhook_deliveries',
    firing.deliveries.map((d) => pendingRow(d, nowMs)),
  );
  const flags: SessionFlagRow[] = firing.flags.map((f) => ({ ...f, created_at: chTime(nowMs) }));
  await rawSql(store).insertRows('session_anomalies', flags);
  await rawSql(store).insertRows(
    'alerts',
    firing.alerts.map((a) => alertRow(a, nowMs)),
  );
}

/** The JSON bodies of the given alerts, by id. */
export async function alertPayloads(store: Store, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await rawSql(store).query<{ alert_id: string; payload: string }>(
    'SELECT alert_id, payload FROM alerts FINAL WHERE alert_id IN {ids:Array(String)}',
    { ids: [...new Set(ids)] },
  );
  return new Map(rows.map((a) => [a.alert_id, a.payload]));
}

export interface AlertFilter {
  types?: readonly string[];
  budgetId?: string;
  sessionId?: string;
  agent?: string;
  fromMs?: number;
  toMs?: number;
  limit: number;
}

/** A project's fired alerts, newest first (`GET /api/alerts`). */
export async function listAlerts(store: Store, projectId: string, f: AlertFilter): Promise<AlertRow[]> {
  const params: Record<string, unknown> = { p: projectId, n: f.limit };
  const where = ['project_id = {p:String}'];
  if (f.types && f.types.length > 0) {
    where.push('type IN {types:Array(String)}');
    params.types = f.types;
  }
  for (const [value, column] of [
    [f.budgetId, 'budget_id'],
    [f.sessionId, 'session_id'],
    [f.agent, 'agent_name'],
  ] as const) {
    if (value !== undefined) {
      where.push(`${column} = {${column}:String}`);
      params[column] = value;
    }
  }
  if (f.fromMs !== undefined) {
    // Qualified: the SELECT aliases `created_at` to its string form, which would shadow the column.
    where.push("alerts.created_at >= toDateTime64({from:String}, 3, 'UTC')");
    params.from = chTime(f.fromMs);
  }
  if (f.toMs !== undefined) {
    where.push("alerts.created_at < toDateTime64({to:String}, 3, 'UTC')");
    params.to = chTime(f.toMs);
  }
  return rawSql(store).query<AlertRow>(
    `SELECT alert_id, type, toString(created_at) AS created_at, message, budget_id, session_id, agent_name, threshold,
            toString(period_start) AS period_start, toString(period_end) AS period_end, spent_usd, limit_usd, percent, payload
     FROM alerts FINAL WHERE ${where.join(' AND ')}
     ORDER BY alerts.created_at DESC, alert_id LIMIT {n:UInt32}`,
    params,
  );
}

/** Thresholds of a budget already alerted in the period starting at `periodStartMs`, ascending. */
export async function alertedThresholds(
  store: Store,
  projectId: string,
  budgetId: string,
  periodStartMs: number,
): Promise<number[]> {
  const rows = await rawSql(store).query<{ threshold: number }>(
    `SELECT DISTINCT threshold FROM alerts FINAL WHERE project_id = {p:String} AND type = 'budget.threshold_crossed'
     AND budget_id = {b:String} AND period_start = toDateTime64({s:String}, 3, 'UTC') ORDER BY threshold`,
    { p: projectId, b: budgetId, s: chTime(periodStartMs) },
  );
  return rows.map((r) => Number(r.threshold));
}
