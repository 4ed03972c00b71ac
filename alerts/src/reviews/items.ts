import type { ReviewItem } from '@cairn/schemas';
import {
  listReviewQueues,
  newReviewItem,
  openReviewItems,
  parseJson as parseJsonText,
  pickQueue,
  type ReviewItemRecord,
  type ReviewQueueRecord,
  type Store,
} from '@cairn/storage';
import { fireAlerts } from '../fire.js';
import type { AlertDraft } from '../payloads.js';

/**
 * Opening review items and telling their queues (docs/ARCHITECTURE.md, "Escalations and
 * reviews"): the engine opens items for escalations and rules each tick, and the API's
 * `POST /api/escalations` opens the SDK's through the same function. Claiming and deciding stay
 * with the API (ingest-api/src/reviews/items.ts).
 */

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
// '' is "none": the API shows null.
const parseJson = (s: string): unknown => parseJsonText(s, null);

/** An item as the API shows it and as alert bodies carry it. */
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
