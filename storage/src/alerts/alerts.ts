import type { AlertType } from '@cairn/schemas';
import { rawSql, type Store } from '../store.js';
import { chTime } from '../queries/time.js';

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

/** The rows one firing writes, already encoded (times as `chTime` literals). */
export interface FiredAlertRows {
  deliveries: readonly object[];
  flags: readonly object[];
  alerts: readonly object[];
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
export async function writeFiredAlerts(store: Store, rows: FiredAlertRows): Promise<void> {
  await rawSql(store).insertRows('webhook_deliveries', rows.deliveries);
  await rawSql(store).insertRows('session_anomalies', rows.flags);
  await rawSql(store).insertRows('alerts', rows.alerts);
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
