import {
  CairnError,
  MAX_REVIEW_JSON_CHARS,
  REVIEW_SCORE_NAMES,
  type DecideBody,
  type EscalationStatus,
  type ReviewEvent,
  type ReviewQueue,
} from '@cairn/schemas';
import { publicItem } from '@cairn/alerts';
import {
  blankEvent,
  getReviewItem,
  insertScore,
  updateReviewItem,
  type ReviewEventRecord,
  type ReviewItemRecord,
  type ReviewQueueRecord,
  type Store,
} from '@cairn/storage';

/**
 * Review items between the API and the SDK routes (docs/ARCHITECTURE.md, "Escalations and
 * reviews"): claiming, deciding, and the API shapes. Opening items (and the item's public form,
 * which alert bodies carry too) belongs to the alert engine: `openItems` / `publicItem` in
 * @cairn/alerts.
 */

/** JSON text of an agent-sent value, refused above the size the store keeps for it. */
export function jsonText(value: unknown, field: string): string {
  if (value === undefined || value === null) return '';
  const s = JSON.stringify(value);
  if (s.length > MAX_REVIEW_JSON_CHARS) {
    throw new CairnError('CAIRN_BAD_REQUEST', `${field} is ${s.length} characters of JSON; at most ${MAX_REVIEW_JSON_CHARS}`);
  }
  return s;
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
