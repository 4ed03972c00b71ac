import { AlertList, AlertsQuery, CairnError, DetectorSettings, DetectorSettingsPatch, type Alert } from '@cairn/schemas';
import { authOf } from '../auth.js';
import { loadDetectorSettings, saveDetectorSettings } from '@cairn/alerts';
import { isoOfCh, listAlerts, msOfCh, parseTime, type AlertRow } from '@cairn/storage';
import type { ApiInstance, RouteContext } from '../types.js';
import { AUTH_ERRORS } from './common.js';

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
      const from = q.from !== undefined ? parseTime(q.from, 'from') : undefined;
      const to = q.to !== undefined ? parseTime(q.to, 'to') : undefined;
      if (from !== undefined && to !== undefined && from >= to)
        throw new CairnError('CAIRN_BAD_REQUEST', '`from` must be before `to`');
      const rows = await listAlerts(store, authOf(request).projectId, {
        limit: q.limit ?? 100,
        ...(q.type ? { types: q.type } : {}),
        ...(q.budget_id !== undefined ? { budgetId: q.budget_id } : {}),
        ...(q.session_id !== undefined ? { sessionId: q.session_id } : {}),
        ...(q.agent !== undefined ? { agent: q.agent } : {}),
        ...(from !== undefined ? { fromMs: from } : {}),
        ...(to !== undefined ? { toMs: to } : {}),
      });
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
