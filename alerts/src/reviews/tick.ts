import {
  anomalyCandidates,
  blankEvent,
  claim,
  getReviewItem,
  listProjects,
  listReviewQueues,
  listThresholds,
  overdueReviewItems,
  reviewCandidates,
  reviewItemIdOf,
  thresholdFor,
  updateReviewItem,
  type ReviewCandidate,
  type ReviewItemRecord,
  type ReviewQueueRecord,
  type Store,
} from '@cairn/storage';
import { itemAlert, openItems, type ItemDraft } from './items.js';
import { fireAlerts } from '../fire.js';
import { alertIdOf } from '../payloads.js';

/**
 * The alert engine's review work (docs/ARCHITECTURE.md, "Escalations and reviews"), once per
 * tick: open items for escalations recorded by any instrumentation and for the rules, then
 * apply the SLA of items past due.
 */

export interface ReviewTickOptions {
  owner: string;
  settleMs: number;
  /** Spans ingested this long ago or less are looked at (default 15 min). */
  lookbackMs: number;
  log: { error(obj: object, msg: string): void };
}

export interface ReviewTickResult {
  opened: string[];
  expired: string[];
  fired: string[];
}

export const FALLBACK_REVIEWER = 'cairn:fallback';

function candidateDraft(c: ReviewCandidate): ItemDraft {
  return {
    projectId: c.project_id,
    sessionId: c.session_id,
    spanId: c.span_id,
    agent: c.agent_name,
    workflow: c.workflow,
    reason: c.reason,
    source: c.rule === 'event' ? 'event' : `rule:${c.rule}`,
    confidence: c.confidence,
    proposedAction: '',
    state: c.state,
    costUsd: c.cost_usd,
  };
}

/** Opens the items the project's recent spans call for; the SDK's own escalations are skipped (it opened them). */
async function openFromSpans(
  store: Store,
  projectId: string,
  queues: readonly ReviewQueueRecord[],
  nowMs: number,
  lookbackMs: number,
): Promise<string[]> {
  const thresholds = await listThresholds(store, projectId);
  const agents = thresholds.map((t) => t.agent_name).filter((a) => a !== '');
  const since = nowMs - lookbackMs;
  const candidates = [
    ...(await reviewCandidates(store, projectId, since, (a) => thresholdFor(thresholds, projectId, a), agents)),
    ...(await anomalyCandidates(store, projectId, since)),
  ].filter((c) => !c.from_sdk);
  // An instrumentation without the SDK's marker may still escalate a step the SDK opened: one item per escalation.
  const sdkIds = new Set(candidates.map((c) => reviewItemIdOf(projectId, c.session_id, c.span_id, 'sdk')));
  const sdkOpen = new Set(
    (await Promise.all([...sdkIds].map((id) => getReviewItem(store, projectId, id)))).filter((i) => i).map((i) => i!.item_id),
  );
  const drafts = candidates
    .filter((c) => !(c.rule === 'event' && sdkOpen.has(reviewItemIdOf(projectId, c.session_id, c.span_id, 'sdk'))))
    .map(candidateDraft);
  return (await openItems(store, drafts, nowMs, queues)).map((i) => i.item_id);
}

/** The item after its fallback: auto policies decide it; `hold` leaves it open to a reviewer. */
function withFallback(i: ReviewItemRecord, q: ReviewQueueRecord | undefined, nowMs: number): ReviewItemRecord {
  const policy = q?.fallback ?? 'hold';
  const base: ReviewItemRecord = { ...i, status: 'expired', fallback_applied: policy };
  if (policy === 'hold') return base;
  return {
    ...base,
    decision: policy === 'auto_approve' ? 'approve' : 'reject',
    decided_by: FALLBACK_REVIEWER,
    decided_ms: nowMs,
    comment: `SLA of ${q?.sla_minutes ?? 0} min missed: ${policy}`,
  };
}

/**
 * Items past due: exactly one `escalation.sla_missed` alert each (its id derives from the item,
 * so a restart or a second engine writes the same alert and its deliveries), and the fallback
 * applied once, by the engine that wins the item's claim.
 */
async function applySlas(store: Store, opts: ReviewTickOptions, nowMs: number): Promise<{ expired: string[]; fired: string[] }> {
  const due = await overdueReviewItems(store, nowMs);
  if (due.length === 0) return { expired: [], fired: [] };
  const keyOf = (i: ReviewItemRecord): string => `review-sla:${i.project_id}:${i.item_id}`;
  const won = await claim(store, due.map(keyOf), { owner: opts.owner, settleMs: opts.settleMs, leaseMs: 60_000, nowMs });
  const queues = new Map((await listReviewQueues(store)).map((q) => [q.queue_id, q]));
  const expired: string[] = [];
  const fired: string[] = [];
  for (const stale of due.filter((i) => won.has(keyOf(i)))) {
    // A reviewer may have decided while the claims settled.
    const i = await getReviewItem(store, stale.project_id, stale.item_id);
    if (!i || i.decision !== '' || i.fallback_applied !== '') continue;
    const q = queues.get(i.queue_id);
    const hooks =
      q && q.fallback_webhook_ids.length > 0 ? q.fallback_webhook_ids : q && q.webhook_ids.length > 0 ? q.webhook_ids : undefined;
    const draft = itemAlert(i, q, 'escalation.sla_missed', hooks);
    fired.push(...(await fireAlerts(store, [draft], nowMs)));
    const next = withFallback(i, q, nowMs);
    const missed = {
      ...blankEvent(i, 'sla_missed', i.due_ms ?? nowMs),
      by: FALLBACK_REVIEWER,
      detail: `alert ${alertIdOf(draft.projectId, draft.key)}`,
    };
    await updateReviewItem(store, next, missed, {
      ...blankEvent(i, 'fallback_applied', nowMs),
      by: FALLBACK_REVIEWER,
      decision: next.decision,
      comment: next.comment,
      detail: `sla_missed; fallback ${next.fallback_applied}`,
    });
    expired.push(i.item_id);
  }
  return { expired, fired };
}

export async function reviewTick(store: Store, opts: ReviewTickOptions, nowMs: number): Promise<ReviewTickResult> {
  const opened: string[] = [];
  const queues = await listReviewQueues(store);
  for (const { project_id: projectId } of await listProjects(store)) {
    try {
      opened.push(...(await openFromSpans(store, projectId, queues, nowMs, opts.lookbackMs)));
    } catch (err) {
      opts.log.error({ err, projectId }, 'review items from spans failed');
    }
  }
  return { opened, ...(await applySlas(store, opts, nowMs)) };
}
