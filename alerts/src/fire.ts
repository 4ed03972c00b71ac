import type { AlertType, AnomalyType } from '@cairn/schemas';
import {
  existingAlerts,
  listWebhooks,
  writeFiredAlerts,
  type FiredAlert,
  type NewDelivery,
  type SessionFlag,
  type Store,
} from '@cairn/storage';
import { alertIdOf, deliveryIdOf, eventBody, type AlertDraft } from './payloads.js';

/** The session flag of an `anomaly.<name>` alert is `<name>` (only anomaly drafts flag sessions). */
const anomalyOf = (type: AlertType): AnomalyType => type.replace(/^anomaly\./, '') as AnomalyType;

/**
 * Fires the drafts whose alert does not exist yet and returns their ids. Writes, in this
 * order, the pending deliveries, the session flags and then the alert itself: a crash before
 * the alert row means the next tick fires again, rewriting the same ids (deliveries at version
 * 0, which never override a later state); a crash after it means everything is there.
 *
 * Two engines firing the same draft at once write the same ids; storage versions alert rows so
 * that the earliest writer's body wins for every later reader.
 */
export async function fireAlerts(store: Store, drafts: readonly AlertDraft[], nowMs: number): Promise<string[]> {
  if (drafts.length === 0) return [];
  const withIds = drafts.map((d) => ({ d, id: alertIdOf(d.projectId, d.key) }));
  const exists = await existingAlerts(
    store,
    withIds.map((x) => x.id),
  );
  const fresh = withIds.filter((x) => !exists.has(x.id));
  if (fresh.length === 0) return [];
  const hooksByProject = new Map<string, Awaited<ReturnType<typeof listWebhooks>>>();
  const deliveries: NewDelivery[] = [];
  const flags: SessionFlag[] = [];
  const alerts: FiredAlert[] = [];
  for (const { d, id } of fresh) {
    let hooks = hooksByProject.get(d.projectId);
    if (!hooks) {
      hooks = (await listWebhooks(store, d.projectId)).filter((h) => h.enabled);
      hooksByProject.set(d.projectId, hooks);
    }
    const ids = d.webhookIds ?? (d.budget && d.budget.webhook_ids.length > 0 ? d.budget.webhook_ids : undefined);
    const wanted = ids ? hooks.filter((h) => ids.includes(h.id)) : hooks;
    for (const h of wanted) {
      deliveries.push({
        project_id: d.projectId,
        delivery_id: deliveryIdOf(id, h.id),
        alert_id: id,
        webhook_id: h.id,
        event: d.type,
      });
    }
    for (const s of d.flagSessions ?? []) {
      flags.push({ project_id: d.projectId, session_id: s, type: anomalyOf(d.type), alert_id: id });
    }
    alerts.push({
      project_id: d.projectId,
      alert_id: id,
      type: d.type,
      alert_key: d.key,
      budget_id: d.budgetId ?? '',
      session_id: d.sessionId ?? '',
      agent_name: d.agentName ?? '',
      threshold: d.threshold ?? 0,
      period_start_ms: d.period?.start ?? 0,
      period_end_ms: d.period?.end ?? 0,
      spent_usd: d.spentUsd ?? 0,
      limit_usd: d.limitUsd ?? 0,
      percent: d.percent ?? 0,
      message: d.message,
      payload: JSON.stringify(eventBody(id, d, nowMs)),
    });
  }
  await writeFiredAlerts(store, { deliveries, flags, alerts }, nowMs);
  return fresh.map((x) => x.id);
}
