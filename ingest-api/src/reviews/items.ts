import {
  CairnError,
  MAX_REVIEW_JSON_CHARS,
  REVIEW_SCORE_NAMES,
  type DecideBody,
  type EscalationStatus,
  type ReviewEvent,
  type ReviewItem,
  type ReviewQueue,
} from '@cairn/schemas';
import {
  blankEvent,
  getReviewItem,
  insertScore,
  parseJson as parseJsonText,
  listReviewQueues,
  openReviewItems,
  pickQueue,
  newReviewItem,
  updateReviewItem,
  type ReviewEventRecord,
  type ReviewItemRecord,
  type ReviewQueueRecord,
  type Store,
} from '@cairn/storage';
import { fireAlerts } from '../alerts/fire.js';
import type { AlertDraft } from '../alerts/payloads.js';

/**
 * Review items between the API, the SDK routes and the alert engine (docs/ARCHITECTURE.md,
 * "Escalations and reviews"): opening, claiming, deciding, and the API shapes.
 */

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
// '' is "none": the API shows null.
const parseJson = (s: string): unknown => parseJsonText(s, null);

/** JSON text of an agent-sent value, refused above the size the store keeps for it. */
export function jsonText(value: unknown, field: string): string {
  if (value === undefined || value === null) return '';
  const s = JSON.stringify(value);
  if (s.length > MAX_REVIEW_JSON_CHARS) {
    throw new CairnError('CAIRN_BAD_REQUEST', `${field} is ${s.length} characters of JSON; at most ${MAX_REVIEW_JSON_CHARS}`);
  }
  return s;
}

export function publicItem(i: ReviewItemRecord): ReviewItem {
  return {
    id: i.item_id,
    queue_id: i.queue_id === '' ? null : i.queue_id,
    session_id: i.session_id,
    span_id: i.span_id,
    agent: i.agent_name,
    workflow: i.workflow,
    reason: i.reason,
    source: i.source,
    confidence: i.confidence,
    proposed_action: parseJson(i.proposed_action),
    state: parseJson(i.state),
    cost_usd: i.cost_usd,
    status: i.status,
    created_at: new Date(i.created_ms).toISOString(),
    due_at: iso(i.due_ms),
    claimed_by: i.claimed_by === '' ? null : i.claimed_by,
    claimed_at: iso(i.claimed_ms),
    decision: i.decision === '' ? null : i.decision,
    edited_action: parseJson(i.edited_action),
    comment: i.comment,
    correct: i.correct,
    decided_by: i.decided_by === '' ? null : i.decided_by,
    decided_at: iso(i.decided_ms),
    fallback_applied: i.fallback_applied === '' ? null : i.fallback_applied,
  };
}

export function publicEvent(e: ReviewEventRecord): ReviewEvent {
  return {
    item_id: e.item_id,
    kind: e.kind,
    at: new Date(e.at_ms).toISOString(),
    by: e.by,
    decision: e.decision === '' ? null : e.decision,
    comment: e.comment,
    detail: e.detail,
  };
}

export function publicQueue(q: ReviewQueueRecord): ReviewQueue {
  return {
    id: q.queue_id,
    name: q.name,
    scope: {
      ...(q.scope_agent !== '' ? { agent: q.scope_agent } : {}),
      ...(q.scope_workflow !== '' ? { workflow: q.scope_workflow } : {}),
    },
    webhook_ids: q.webhook_ids,
    reviewer: q.reviewer,
    sla_minutes: q.sla_minutes,
    fallback: q.fallback,
    fallback_webhook_ids: q.fallback_webhook_ids,
    created_at: new Date(q.created_ms).toISOString(),
    updated_at: new Date(q.updated_ms).toISOString(),
  };
}

export function escalationStatus(i: ReviewItemRecord): EscalationStatus {
  const p = publicItem(i);
  return {
    id: p.id,
    status: p.status,
    resolved: p.decision !== null,
    decision: p.decision,
    edited_action: p.edited_action,
    comment: p.comment,
    decided_by: p.decided_by,
    decided_at: p.decided_at,
    due_at: p.due_at,
    fallback_applied: p.fallback_applied,
  };
}

/** What opens an item; the queue, due time and id are derived. */
export interface ItemDraft {
  projectId: string;
  sessionId: string;
  spanId: string;
  agent: string;
  workflow: string;
  reason: string;
  source: string;
  confidence: number | null;
  proposedAction: string;
  state: string;
  costUsd: number;
}

export function draftToItem(d: ItemDraft, queues: readonly ReviewQueueRecord[], nowMs: number): ReviewItemRecord {
  const queue = pickQueue(
    queues.filter((q) => q.project_id === d.projectId),
    d.agent,
    d.workflow,
  );
  return newReviewItem({
    project_id: d.projectId,
    queue_id: queue?.queue_id ?? '',
    session_id: d.sessionId,
    span_id: d.spanId,
    agent_name: d.agent,
    workflow: d.workflow,
    reason: d.reason,
    source: d.source,
    confidence: d.confidence,
    proposed_action: d.proposedAction,
    state: d.state,
    cost_usd: d.costUsd,
    created_ms: nowMs,
    due_ms: queue ? nowMs + Math.round(queue.sla_minutes * 60_000) : null,
  });
}

/**
 * Opens the items not open yet and tells their queues' recipients (an `escalation.opened`
 * alert to the queue's webhooks; none when the queue names none). Returns the items opened.
 */
export async function openItems(
  store: Store,
  drafts: readonly ItemDraft[],
  nowMs: number,
  queues?: readonly ReviewQueueRecord[],
): Promise<ReviewItemRecord[]> {
  if (drafts.length === 0) return [];
  const qs = queues ?? (await listReviewQueues(store, drafts[0]?.projectId));
  const opened = await openReviewItems(
    store,
    drafts.map((d) => draftToItem(d, qs, nowMs)),
  );
  const notify: AlertDraft[] = [];
  for (const i of opened) {
    const q = qs.find((x) => x.queue_id === i.queue_id);
    if (q && q.webhook_ids.length > 0) notify.push(itemAlert(i, q, 'escalation.opened', q.webhook_ids));
  }
  await fireAlerts(store, notify, nowMs);
  return opened;
}

/** An alert about an item, with the item (minus its large state) in the event body. */
export function itemAlert(
  i: ReviewItemRecord,
  q: ReviewQueueRecord | undefined,
  type: 'escalation.opened' | 'escalation.sla_missed',
  webhookIds: readonly string[] | undefined,
): AlertDraft {
  const { state: _s, ...item } = publicItem(i);
  const what = type === 'escalation.opened' ? 'needs a review' : `missed its SLA; fallback ${q?.fallback ?? 'hold'}`;
  return {
    projectId: i.project_id,
    type,
    key: `${type}:${i.item_id}`,
    message: `Escalation from ${i.agent_name || 'an agent'} ${what}: ${i.reason.slice(0, 200)}`,
    sessionId: i.session_id,
    agentName: i.agent_name,
    ...(webhookIds !== undefined ? { webhookIds: [...webhookIds] } : {}),
    details: { item, queue: q ? { id: q.queue_id, name: q.name, reviewer: q.reviewer, fallback: q.fallback } : null },
  };
}

export async function foundItem(store: Store, projectId: string, id: string): Promise<ReviewItemRecord> {
  const item = await getReviewItem(store, projectId, id);
  if (!item) throw new CairnError('CAIRN_NOT_FOUND', `no review item "${id}" in this project`);
  return item;
}

function assertUndecided(i: ReviewItemRecord): void {
  if (i.decision !== '') {
    throw new CairnError(
      'CAIRN_REVIEW_DECIDED',
      `review item "${i.item_id}" was decided already (${i.decision} by ${i.decided_by})`,
    );
  }
}

export async function claimItem(
  store: Store,
  projectId: string,
  id: string,
  reviewer: string,
  nowMs: number,
): Promise<ReviewItemRecord> {
  const i = await foundItem(store, projectId, id);
  assertUndecided(i);
  if (i.claimed_by !== '' && i.claimed_by !== reviewer) {
    throw new CairnError('CAIRN_REVIEW_CLAIMED', `review item "${id}" is claimed by ${i.claimed_by}`);
  }
  if (i.claimed_by === reviewer) return i;
  const next: ReviewItemRecord = {
    ...i,
    status: i.status === 'expired' ? 'expired' : 'claimed',
    claimed_by: reviewer,
    claimed_ms: nowMs,
  };
  await updateReviewItem(store, next, { ...blankEvent(i, 'claimed', nowMs), by: reviewer });
  return next;
}

/**
 * A reviewer's decision: a new item state, its history event, and the scores
 * `review.decision` / `review.correct` (source `review`) on the step, for replay and calibration.
 */
export async function decideItem(
  store: Store,
  projectId: string,
  id: string,
  body: DecideBody,
  nowMs: number,
): Promise<ReviewItemRecord> {
  const i = await foundItem(store, projectId, id);
  assertUndecided(i);
  if (i.claimed_by !== '' && i.claimed_by !== body.reviewer) {
    throw new CairnError('CAIRN_REVIEW_CLAIMED', `review item "${id}" is claimed by ${i.claimed_by}: only they can decide it`);
  }
  if (body.decision === 'edit' && (body.edited_action === undefined || body.edited_action === null)) {
    throw new CairnError('CAIRN_BAD_REQUEST', 'edited_action is required when decision is "edit"');
  }
  const next: ReviewItemRecord = {
    ...i,
    status: 'decided',
    decision: body.decision,
    edited_action: body.decision === 'edit' ? jsonText(body.edited_action, 'edited_action') : '',
    comment: body.comment ?? '',
    correct: body.correct ?? null,
    decided_by: body.reviewer,
    decided_ms: nowMs,
  };
  await updateReviewItem(store, next, {
    ...blankEvent(i, 'decided', nowMs),
    by: body.reviewer,
    decision: body.decision,
    comment: next.comment,
  });
  const on = { session_id: i.session_id, ...(i.span_id !== '' ? { span_id: i.span_id } : {}) };
  await insertScore(store, projectId, {
    ...on,
    name: REVIEW_SCORE_NAMES.decision,
    value: body.decision,
    comment: next.comment,
    source: 'review',
  });
  if (body.correct !== undefined) {
    await insertScore(store, projectId, { ...on, name: REVIEW_SCORE_NAMES.correct, value: body.correct, source: 'review' });
  }
  return next;
}
