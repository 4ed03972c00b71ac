import { createHash } from 'node:crypto';
import type { AlertType } from '@cairn/schemas';
import type { PeriodBounds } from './budgets/periods.js';
import type { BudgetRecord } from '@cairn/storage';

/** An alert about to fire: what the engine writes and what webhooks receive. */
export interface AlertDraft {
  projectId: string;
  type: AlertType;
  /** What the alert is about; one alert per key, ever (budget × period start × threshold, …). */
  key: string;
  message: string;
  budgetId?: string;
  sessionId?: string;
  agentName?: string;
  threshold?: number;
  period?: PeriodBounds;
  spentUsd?: number;
  limitUsd?: number;
  percent?: number;
  /** Extra fields of the event body (detector figures). */
  details?: Record<string, unknown>;
  budget?: BudgetRecord;
  /** The webhooks to deliver to (review queues); else the budget's, else every enabled webhook. */
  webhookIds?: string[];
  /** Sessions to flag for `GET /api/sessions?anomaly=`. */
  flagSessions?: string[];
}

/** The same key in the same project always gives the same id: the base of exactly-once. */
export function alertIdOf(projectId: string, key: string): string {
  return 'alt_' + createHash('sha256').update(projectId).update('\n').update(key).digest('hex').slice(0, 32);
}

/** Stable per alert × webhook: the X-Cairn-Delivery header and the receiver's idempotency key. */
export function deliveryIdOf(alertId: string, webhookId: string): string {
  return 'dlv_' + createHash('sha256').update(alertId).update('\n').update(webhookId).digest('hex').slice(0, 32);
}

/** The json-format event body (documented in the README). */
export function eventBody(id: string, draft: AlertDraft, createdAtMs: number): Record<string, unknown> {
  const body: Record<string, unknown> = {
    id,
    type: draft.type,
    created_at: new Date(createdAtMs).toISOString(),
    project_id: draft.projectId,
    message: draft.message,
  };
  if (draft.budget) {
    const b = draft.budget;
    body.budget = {
      id: b.id,
      name: b.name,
      scope: b.scope,
      period: b.period,
      timezone: b.timezone,
      limit_usd: b.limit_usd,
      hard_stop: b.hard_stop,
    };
  }
  if (draft.period)
    body.period = { start: new Date(draft.period.start).toISOString(), end: new Date(draft.period.end).toISOString() };
  if (draft.threshold !== undefined) body.threshold = draft.threshold;
  if (draft.spentUsd !== undefined) body.spent_usd = draft.spentUsd;
  if (draft.limitUsd !== undefined) body.limit_usd = draft.limitUsd;
  if (draft.percent !== undefined) body.percent = draft.percent;
  if (draft.agentName !== undefined) body.agent_name = draft.agentName;
  if (draft.sessionId !== undefined) body.session_id = draft.sessionId;
  if (draft.details) Object.assign(body, draft.details);
  return body;
}

/** A Slack incoming-webhook body (`text` for notifications, `blocks` for the message). */
export function slackBody(event: Record<string, unknown>): { text: string; blocks: unknown[] } {
  const text = `:rotating_light: Cairn: ${String(event.message ?? event.type)}`;
  const fields: { type: 'mrkdwn'; text: string }[] = [];
  const add = (label: string, value: unknown): void => {
    if (value !== undefined && value !== null) fields.push({ type: 'mrkdwn', text: `*${label}*\n${String(value)}` });
  };
  add('Event', event.type);
  add('Project', event.project_id);
  if (typeof event.spent_usd === 'number') add('Spent', `$${event.spent_usd.toFixed(2)}`);
  if (typeof event.limit_usd === 'number') add('Limit', `$${event.limit_usd.toFixed(2)}`);
  if (typeof event.percent === 'number') add('Percent', `${event.percent.toFixed(1)} %`);
  add('Agent', event.agent_name);
  add('Session', event.session_id);
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      ...(fields.length > 0 ? [{ type: 'section', fields: fields.slice(0, 10) }] : []),
      { type: 'context', elements: [{ type: 'mrkdwn', text: `alert ${String(event.id)} · ${String(event.created_at)}` }] },
    ],
  };
}
