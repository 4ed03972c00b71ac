import {
  AlertList,
  AlertsQuery,
  CairnError,
  DetectorSettings,
  DetectorSettingsPatch,
  type Alert,
  type AlertType,
} from '@cairn/schemas';
import { authOf } from '../auth.js';
import { loadDetectorSettings, saveDetectorSettings } from '../alerts/detectors.js';
import { isoOfCh, msOfCh } from '../alerts/repo.js';
import { chTime, parseTime } from '@cairn/storage';
import type { ApiInstance, RouteContext } from '../types.js';
import { AUTH_ERRORS } from './common.js';

interface AlertRow {
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

function toAlert(r: AlertRow): Alert {
  const isBudget = r.type === 'budget.threshold_crossed';
  const hasPeriod = msOfCh(r.period_end) > 0;
  return {
    id: r.alert_id,
    type: r.type,
    created_at: isoOfCh(r.created_at),
    message: r.message,
    budget_id: r.budget_id || null,
    session_id: r.session_id || null,
    agent_name: r.agent_name || null,
    threshold: isBudget ? Number(r.threshold) : null,
    period: hasPeriod ? { start: isoOfCh(r.period_start), end: isoOfCh(r.period_end) } : null,
    spent_usd: isBudget || r.type === 'anomaly.session_cost' ? Number(r.spent_usd) : null,
    limit_usd: isBudget ? Number(r.limit_usd) : null,
    percent: isBudget ? Number(r.percent) : null,
    payload: JSON.parse(r.payload) as unknown,
  };
}

export function registerAlertRoutes(app: ApiInstance, { store }: RouteContext): void {
  app.get(
    '/api/alerts',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Fired alerts, newest first',
        description:
          'Budget thresholds crossed and anomalies detected. Each alert fired once and was sent to the webhooks of its project (or budget).',
        querystring: AlertsQuery,
        response: { 200: AlertList, ...AUTH_ERRORS },
      },
    },
    async (request) => {
      const q = request.query;
      const params: Record<string, unknown> = { p: authOf(request).projectId, n: q.limit ?? 100 };
      const where = ['project_id = {p:String}'];
      if (q.type && q.type.length > 0) {
        where.push('type IN {types:Array(String)}');
        params.types = q.type;
      }
      for (const [field, column] of [
        ['budget_id', 'budget_id'],
        ['session_id', 'session_id'],
        ['agent', 'agent_name'],
      ] as const) {
        if (q[field] !== undefined) {
          where.push(`${column} = {${field}:String}`);
          params[field] = q[field];
        }
      }
      const from = q.from !== undefined ? parseTime(q.from, 'from') : undefined;
      const to = q.to !== undefined ? parseTime(q.to, 'to') : undefined;
      if (from !== undefined && to !== undefined && from >= to)
        throw new CairnError('CAIRN_BAD_REQUEST', '`from` must be before `to`');
      if (from !== undefined) {
        // Qualified: the SELECT aliases `created_at` to its string form, which would shadow the column.
        where.push("alerts.created_at >= toDateTime64({from:String}, 3, 'UTC')");
        params.from = chTime(from);
      }
      if (to !== undefined) {
        where.push("alerts.created_at < toDateTime64({to:String}, 3, 'UTC')");
        params.to = chTime(to);
      }
      const rows = await store.query<AlertRow>(
        `SELECT alert_id, type, toString(created_at) AS created_at, message, budget_id, session_id, agent_name, threshold,
                toString(period_start) AS period_start, toString(period_end) AS period_end, spent_usd, limit_usd, percent, payload
         FROM alerts FINAL WHERE ${where.join(' AND ')}
         ORDER BY alerts.created_at DESC, alert_id LIMIT {n:UInt32}`,
        params,
      );
      return { alerts: rows.map(toAlert) };
    },
  );

  app.get(
    '/api/alerts/detectors',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Anomaly detector settings of this project',
        response: { 200: DetectorSettings, ...AUTH_ERRORS },
      },
    },
    async (request) => loadDetectorSettings(store, authOf(request).projectId),
  );

  app.put(
    '/api/alerts/detectors',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Change anomaly detector settings (fields not sent stay as they are)',
        body: DetectorSettingsPatch,
        response: { 200: DetectorSettings, ...AUTH_ERRORS },
      },
    },
    async (request) => saveDetectorSettings(store, authOf(request).projectId, request.body),
  );
}
