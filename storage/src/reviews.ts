import { createHash, randomUUID } from 'node:crypto';
import { rawSql, type Store } from './store.js';
import { nextVersion, versionedTable } from './versioned-table.js';
import { chTime } from './queries/time.js';
import { msOfCh as msOf } from './alerts/versions.js';

/**
 * Escalation review queues, items and their history (migration 0006; docs/ARCHITECTURE.md,
 * "Escalations and reviews"). Rows are versioned: a change is a new row, readers use FINAL.
 * Times are epoch milliseconds here; JSON payloads are JSON text ('' = none).
 */

export type FallbackPolicy = 'hold' | 'auto_reject' | 'auto_approve';
export type ItemStatus = 'open' | 'claimed' | 'decided' | 'expired';
export type ItemDecision = 'approve' | 'reject' | 'edit';

export interface ReviewQueueRecord {
  project_id: string;
  queue_id: string;
  name: string;
  scope_agent: string;
  scope_workflow: string;
  webhook_ids: string[];
  reviewer: string;
  sla_minutes: number;
  fallback: FallbackPolicy;
  fallback_webhook_ids: string[];
  created_ms: number;
  updated_ms: number;
}

export interface ReviewItemRecord {
  project_id: string;
  item_id: string;
  queue_id: string;
  session_id: string;
  span_id: string;
  agent_name: string;
  workflow: string;
  reason: string;
  source: string;
  confidence: number | null;
  proposed_action: string;
  state: string;
  cost_usd: number;
  status: ItemStatus;
  created_ms: number;
  due_ms: number | null;
  claimed_by: string;
  claimed_ms: number | null;
  decision: ItemDecision | '';
  edited_action: string;
  comment: string;
  correct: boolean | null;
  decided_by: string;
  decided_ms: number | null;
  fallback_applied: FallbackPolicy | '';
}

export interface ReviewEventRecord {
  project_id: string;
  item_id: string;
  kind: 'opened' | 'claimed' | 'decided' | 'sla_missed' | 'fallback_applied';
  at_ms: number;
  by: string;
  decision: ItemDecision | '';
  comment: string;
  detail: string;
}

const msOrNull = (s: string | null): number | null => (s === null ? null : msOf(s));

/** One item per (project, session, span, source), whoever opens it and however often. */
export function reviewItemIdOf(projectId: string, sessionId: string, spanId: string, source: string): string {
  const h = createHash('sha256');
  for (const part of [projectId, sessionId, spanId, source]) h.update(part).update('\n');
  return 'rvw_' + h.digest('hex').slice(0, 32);
}

/** What an escalation brings; the rest of a new item is derived or blank. */
export type NewReviewItem = Pick<
  ReviewItemRecord,
  | 'project_id'
  | 'queue_id'
  | 'session_id'
  | 'span_id'
  | 'agent_name'
  | 'workflow'
  | 'reason'
  | 'source'
  | 'confidence'
  | 'proposed_action'
  | 'state'
  | 'cost_usd'
  | 'created_ms'
  | 'due_ms'
>;

/** A new open item: its id derived from (project, session, span, source), nothing claimed or decided. */
export function newReviewItem(n: NewReviewItem): ReviewItemRecord {
  return {
    ...n,
    item_id: reviewItemIdOf(n.project_id, n.session_id, n.span_id, n.source),
    status: 'open',
    claimed_by: '',
    claimed_ms: null,
    decision: '',
    edited_action: '',
    comment: '',
    correct: null,
    decided_by: '',
    decided_ms: null,
    fallback_applied: '',
  };
}

// ---- queues ----

type QueueRow = Omit<ReviewQueueRecord, 'created_ms' | 'updated_ms'> & { created_at: string; updated_at: string };
const QUEUE_COLUMNS = `project_id, queue_id, name, scope_agent, scope_workflow, webhook_ids, reviewer, sla_minutes, fallback,
  fallback_webhook_ids, toString(created_at) AS created_at, toString(updated_at) AS updated_at`;
const toQueue = (r: QueueRow): ReviewQueueRecord => {
  const { created_at, updated_at, ...rest } = r;
  return { ...rest, sla_minutes: Number(r.sla_minutes), created_ms: msOf(created_at), updated_ms: msOf(updated_at) };
};

const queues = versionedTable<QueueRow, ReviewQueueRecord>({
  table: 'review_queues',
  key: 'queue_id',
  columns: QUEUE_COLUMNS,
  fromRow: toQueue,
  toRow: ({ created_ms, updated_ms, ...cols }) => ({ ...cols, created_at: chTime(created_ms), updated_at: chTime(updated_ms) }),
});

/** Queues of one project, or of every project (the engine). */
export const listReviewQueues = (store: Store, projectId?: string): Promise<ReviewQueueRecord[]> => queues.list(store, projectId);

export const getReviewQueue = (store: Store, projectId: string, id: string): Promise<ReviewQueueRecord | undefined> =>
  queues.get(store, projectId, id);

/** Writes a queue (new when queue_id is absent) as a new version. */
export async function saveReviewQueue(
  store: Store,
  q: Omit<ReviewQueueRecord, 'queue_id' | 'created_ms' | 'updated_ms'> & { queue_id?: string; created_ms?: number },
): Promise<ReviewQueueRecord> {
  const now = Date.now();
  const rec: ReviewQueueRecord = { ...q, queue_id: q.queue_id ?? randomUUID(), created_ms: q.created_ms ?? now, updated_ms: now };
  await queues.save(store, rec);
  return rec;
}

/** Deletes a queue (its open items stay): a new version of it, flagged deleted. */
export async function deleteReviewQueue(store: Store, q: ReviewQueueRecord): Promise<void> {
  await queues.delete(store, { ...q, updated_ms: Date.now() });
}

/** The queue an escalation goes to: the most specific one whose scope matches (agent and workflow both = 3). */
export function pickQueue(queues: readonly ReviewQueueRecord[], agent: string, workflow: string): ReviewQueueRecord | undefined {
  let best: ReviewQueueRecord | undefined;
  let bestScore = -1;
  for (const q of queues) {
    if ((q.scope_agent !== '' && q.scope_agent !== agent) || (q.scope_workflow !== '' && q.scope_workflow !== workflow)) continue;
    const score = (q.scope_agent !== '' ? 2 : 0) + (q.scope_workflow !== '' ? 1 : 0);
    if (score > bestScore) [best, bestScore] = [q, score];
  }
  return best;
}

// ---- items ----

/** A row as read: times as ClickHouse strings, enums as plain strings, `correct` as UInt8. */
type ItemRow = Omit<
  ReviewItemRecord,
  'status' | 'created_ms' | 'due_ms' | 'claimed_ms' | 'decision' | 'correct' | 'decided_ms' | 'fallback_applied'
> & {
  status: string;
  created_at: string;
  due_at: string | null;
  claimed_at: string | null;
  decision: string;
  correct: number | null;
  decided_at: string | null;
  fallback_applied: string;
};

const ITEM_COLUMNS = `project_id, item_id, queue_id, session_id, span_id, agent_name, workflow, reason, source, confidence,
  proposed_action, state, cost_usd, status, toString(created_at) AS created_at, toString(due_at) AS due_at, claimed_by,
  toString(claimed_at) AS claimed_at, decision, edited_action, comment, correct, decided_by, toString(decided_at) AS decided_at,
  fallback_applied`;

/** The time columns are read back as strings under their own names: filters and sorts must see the columns. */
const BY_COLUMN = 'SETTINGS prefer_column_name_to_alias = 1';

function toItem(r: ItemRow): ReviewItemRecord {
  const { created_at: _c, due_at: _d, claimed_at: _cl, decided_at: _de, ...rest } = r;
  return {
    ...rest,
    confidence: r.confidence === null ? null : Number(r.confidence),
    cost_usd: Number(r.cost_usd),
    status: r.status as ItemStatus,
    created_ms: msOf(r.created_at),
    due_ms: msOrNull(r.due_at),
    claimed_ms: msOrNull(r.claimed_at),
    decision: r.decision as ItemDecision | '',
    correct: r.correct === null ? null : Number(r.correct) === 1,
    decided_ms: msOrNull(r.decided_at),
    fallback_applied: r.fallback_applied as FallbackPolicy | '',
  };
}

function itemRow(i: ReviewItemRecord, version: number): object {
  const { created_ms, due_ms, claimed_ms, decided_ms, correct, ...cols } = i;
  const t = (ms: number | null): string | null => (ms === null ? null : chTime(ms));
  return {
    ...cols,
    created_at: chTime(created_ms),
    due_at: t(due_ms),
    claimed_at: t(claimed_ms),
    decided_at: t(decided_ms),
    correct: correct === null ? null : correct ? 1 : 0,
    version,
  };
}

export async function getReviewItem(store: Store, projectId: string, id: string): Promise<ReviewItemRecord | undefined> {
  const rows = await rawSql(store).query<ItemRow>(
    `SELECT ${ITEM_COLUMNS} FROM review_items FINAL WHERE project_id = {p:String} AND item_id = {id:String}`,
    { p: projectId, id },
  );
  return rows[0] ? toItem(rows[0]) : undefined;
}

/** Item ids among `ids` that exist (any state). */
export async function existingReviewItems(store: Store, projectId: string, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await rawSql(store).query<{ item_id: string }>(
    'SELECT DISTINCT item_id FROM review_items WHERE project_id = {p:String} AND item_id IN {ids:Array(String)}',
    { p: projectId, ids: [...ids] },
  );
  return new Set(rows.map((r) => r.item_id));
}

/**
 * Opens the items that do not exist yet (version 0, plus an `opened` event) and returns those it
 * opened. Concurrent openers of one item write the same id at version 0: one row survives.
 */
export async function openReviewItems(store: Store, items: readonly ReviewItemRecord[]): Promise<ReviewItemRecord[]> {
  const byProject = new Map<string, ReviewItemRecord[]>();
  for (const i of items) byProject.set(i.project_id, [...(byProject.get(i.project_id) ?? []), i]);
  const fresh: ReviewItemRecord[] = [];
  for (const [projectId, list] of byProject) {
    const exists = await existingReviewItems(
      store,
      projectId,
      list.map((i) => i.item_id),
    );
    fresh.push(...list.filter((i) => !exists.has(i.item_id)));
  }
  if (fresh.length === 0) return [];
  await rawSql(store).insertRows(
    'review_events',
    fresh.map((i) => eventRow({ ...blankEvent(i, 'opened', i.created_ms), by: i.source, detail: i.reason })),
  );
  await rawSql(store).insertRows(
    'review_items',
    fresh.map((i) => itemRow(i, 0)),
  );
  return fresh;
}

/** Writes a new state of an item (claim, decision, fallback) and its events. */
export async function updateReviewItem(
  store: Store,
  item: ReviewItemRecord,
  event: ReviewEventRecord,
  ...more: ReviewEventRecord[]
): Promise<void> {
  await rawSql(store).insertRows('review_events', [event, ...more].map(eventRow));
  await rawSql(store).insertRows('review_items', [itemRow(item, nextVersion())]);
}

export interface ReviewItemFilter {
  projectId: string;
  statuses?: readonly ItemStatus[];
  queueId?: string;
  agent?: string;
  sessionId?: string;
  /** Only open or claimed items due before this instant (epoch ms). */
  dueBeforeMs?: number;
  /** Only open or claimed items due at or after this instant. */
  dueFromMs?: number;
  /** Keyset paging: rows after (sort key, id), sort key = due_at in ms (no due_at sorts last). */
  after?: { key: number; id: string };
  limit: number;
}

/** The sort key of the item list: due_at, items without one last. */
export const dueSortKey = (i: Pick<ReviewItemRecord, 'due_ms'>): number => i.due_ms ?? 9e15;
const DUE_KEY_SQL = 'ifNull(toUnixTimestamp64Milli(due_at), 9000000000000000)';

export async function listReviewItems(store: Store, f: ReviewItemFilter): Promise<ReviewItemRecord[]> {
  const where = ['project_id = {p:String}'];
  const params: Record<string, unknown> = { p: f.projectId, limit: f.limit };
  const add = (clause: string, name: string, value: unknown): void => {
    where.push(clause);
    params[name] = value;
  };
  if (f.statuses && f.statuses.length > 0) add('status IN {st:Array(String)}', 'st', [...f.statuses]);
  if (f.queueId !== undefined) add('queue_id = {q:String}', 'q', f.queueId);
  if (f.agent !== undefined) add('agent_name = {a:String}', 'a', f.agent);
  if (f.sessionId !== undefined) add('session_id = {s:String}', 's', f.sessionId);
  if (f.dueBeforeMs !== undefined || f.dueFromMs !== undefined)
    where.push("status IN ('open', 'claimed') AND due_at IS NOT NULL");
  if (f.dueBeforeMs !== undefined) add(`${DUE_KEY_SQL} < {db:Int64}`, 'db', f.dueBeforeMs);
  if (f.dueFromMs !== undefined) add(`${DUE_KEY_SQL} >= {df:Int64}`, 'df', f.dueFromMs);
  if (f.after) {
    where.push(`(${DUE_KEY_SQL}, item_id) > ({ak:Int64}, {ai:String})`);
    Object.assign(params, { ak: f.after.key, ai: f.after.id });
  }
  const rows = await rawSql(store).query<ItemRow>(
    `SELECT ${ITEM_COLUMNS} FROM review_items FINAL WHERE ${where.join(' AND ')}
     ORDER BY ${DUE_KEY_SQL}, item_id LIMIT {limit:UInt32} ${BY_COLUMN}`,
    params,
  );
  return rows.map(toItem);
}

/** Decided or expired items, newest decision (or due time) first: the decision history. */
export async function listDecidedItems(
  store: Store,
  f: { projectId: string; agent?: string; queueId?: string; limit: number },
): Promise<ReviewItemRecord[]> {
  const rows = await rawSql(store).query<ItemRow>(
    `SELECT ${ITEM_COLUMNS} FROM review_items FINAL
     WHERE project_id = {p:String} AND status IN ('decided', 'expired')
       ${f.agent === undefined ? '' : 'AND agent_name = {a:String}'} ${f.queueId === undefined ? '' : 'AND queue_id = {q:String}'}
     ORDER BY coalesce(decided_at, due_at, created_at) DESC, item_id LIMIT {limit:UInt32} ${BY_COLUMN}`,
    { p: f.projectId, a: f.agent ?? '', q: f.queueId ?? '', limit: f.limit },
  );
  return rows.map(toItem);
}

/** Items of every project past their due time with no decision and no fallback yet (the SLA check). */
export async function overdueReviewItems(store: Store, nowMs: number, limit = 1000): Promise<ReviewItemRecord[]> {
  const rows = await rawSql(store).query<ItemRow>(
    `SELECT ${ITEM_COLUMNS} FROM review_items FINAL
     WHERE status IN ('open', 'claimed') AND fallback_applied = '' AND due_at IS NOT NULL
       AND due_at <= toDateTime64({now:String}, 3, 'UTC')
     ORDER BY due_at, item_id LIMIT {limit:UInt32} ${BY_COLUMN}`,
    { now: chTime(nowMs), limit },
  );
  return rows.map(toItem);
}

// ---- events ----

export function blankEvent(i: ReviewItemRecord, kind: ReviewEventRecord['kind'], atMs: number): ReviewEventRecord {
  return { project_id: i.project_id, item_id: i.item_id, kind, at_ms: atMs, by: '', decision: '', comment: '', detail: '' };
}

function eventRow(e: ReviewEventRecord): object {
  const { at_ms, ...cols } = e;
  return { ...cols, at: chTime(at_ms) };
}

export async function listReviewEvents(store: Store, projectId: string, itemId: string): Promise<ReviewEventRecord[]> {
  const rows = await rawSql(store).query<Omit<ReviewEventRecord, 'at_ms'> & { at: string }>(
    `SELECT project_id, item_id, kind, toString(at) AS at, by, decision, comment, detail FROM review_events
     WHERE project_id = {p:String} AND item_id = {id:String} ORDER BY at, kind`,
    { p: projectId, id: itemId },
  );
  return rows.map(({ at, ...r }) => ({ ...r, at_ms: msOf(at) }));
}
