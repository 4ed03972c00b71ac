import {
  ClaimBody,
  CreateReviewQueueBody,
  DecideBody,
  PutThresholdBody,
  ReviewHistory,
  ReviewHistoryQuery,
  ReviewIdParams,
  ReviewItem,
  ReviewItemDetail,
  ReviewItemList,
  ReviewItemsQuery,
  ReviewQueue,
  ReviewQueueList,
  ReviewThresholdList,
  type ReviewThreshold,
  UpdateReviewQueueBody,
  type ReviewQueueScope,
} from '@cairn/schemas';
import {
  deleteReviewQueue,
  dueSortKey,
  getReviewQueue,
  listDecidedItems,
  listReviewEvents,
  listReviewItems,
  listReviewQueues,
  listThresholds,
  putThreshold,
  saveReviewQueue,
  cursorNumber,
  cursorString,
  decodeCursor,
  encodeCursor,
  type ThresholdRecord,
} from '@cairn/storage';
import { authOf } from '../auth.js';
import { publicItem } from '@cairn/alerts';
import { claimItem, decideItem, foundItem, publicEvent, publicQueue } from '../reviews/items.js';
import { ThresholdCache } from '../reviews/threshold-cache.js';
import type { ApiInstance, RouteContext } from '../types.js';
import { AUTH_ERRORS, AUTH_ERRORS_404, assertWebhooks } from './common.js';
import { registerCrudRoutes } from './crud.js';

/** Admin routes of escalation reviews (ingest-api README, "Reviews API"). */

const CONFLICT = { ...AUTH_ERRORS_404, 409: AUTH_ERRORS_404[404] } as const;

const publicThreshold = (t: ThresholdRecord): ReviewThreshold => ({
  agent: t.agent_name,
  threshold: t.threshold,
  updated_at: new Date(t.updated_ms).toISOString(),
});

const scopeCols = (s: ReviewQueueScope | undefined) => ({ scope_agent: s?.agent ?? '', scope_workflow: s?.workflow ?? '' });

export interface ReviewRouteOptions {
  clock?: () => number;
  /** Cleared when a threshold changes, so this process's SDK route answers the new value at once. */
  thresholds?: ThresholdCache;
}

export function registerReviewRoutes(app: ApiInstance, { store }: RouteContext, opts: ReviewRouteOptions = {}): void {
  const clock = opts.clock ?? Date.now;
  registerCrudRoutes(app, {
    path: '/api/reviews/queues',
    tag: 'reviews',
    noun: 'review queue',
    params: ReviewIdParams,
    item: ReviewQueue,
    find: (projectId, id) => getReviewQueue(store, projectId, id),
    list: {
      summary: 'Review queues',
      response: ReviewQueueList,
      load: async (projectId) => ({ queues: (await listReviewQueues(store, projectId)).map(publicQueue) }),
    },
    create: {
      summary: 'Create a review queue',
      description:
        'Escalations whose agent / workflow match `scope` go to this queue (the most specific queue wins). ' +
        '`webhook_ids` hear about each new item; past `sla_minutes` the item fires `escalation.sla_missed` to ' +
        '`fallback_webhook_ids` (else `webhook_ids`, else every enabled webhook) and `fallback` is applied.',
      body: CreateReviewQueueBody,
      response: ReviewQueue,
      run: async (projectId, b) => {
        const hooks = [...new Set(b.webhook_ids ?? [])];
        const fallbackHooks = [...new Set(b.fallback_webhook_ids ?? [])];
        await assertWebhooks(store, projectId, 'webhook_ids', hooks);
        await assertWebhooks(store, projectId, 'fallback_webhook_ids', fallbackHooks);
        const saved = await saveReviewQueue(store, {
          project_id: projectId,
          name: b.name,
          ...scopeCols(b.scope),
          webhook_ids: hooks,
          reviewer: b.reviewer ?? '',
          sla_minutes: b.sla_minutes,
          fallback: b.fallback ?? 'hold',
          fallback_webhook_ids: fallbackHooks,
        });
        return publicQueue(saved);
      },
    },
    get: { summary: 'One review queue', answer: publicQueue },
    update: {
      summary: 'Change a review queue (fields not sent stay as they are)',
      description: 'Items already open keep their due time.',
      body: UpdateReviewQueueBody,
      run: async (projectId, cur, b) => {
        if (b.webhook_ids) await assertWebhooks(store, projectId, 'webhook_ids', b.webhook_ids);
        if (b.fallback_webhook_ids) await assertWebhooks(store, projectId, 'fallback_webhook_ids', b.fallback_webhook_ids);
        const saved = await saveReviewQueue(store, {
          ...cur,
          ...(b.name !== undefined ? { name: b.name } : {}),
          ...(b.scope !== undefined ? scopeCols(b.scope) : {}),
          ...(b.webhook_ids !== undefined ? { webhook_ids: [...new Set(b.webhook_ids)] } : {}),
          ...(b.reviewer !== undefined ? { reviewer: b.reviewer } : {}),
          ...(b.sla_minutes !== undefined ? { sla_minutes: b.sla_minutes } : {}),
          ...(b.fallback !== undefined ? { fallback: b.fallback } : {}),
          ...(b.fallback_webhook_ids !== undefined ? { fallback_webhook_ids: [...new Set(b.fallback_webhook_ids)] } : {}),
        });
        return publicQueue(saved);
      },
    },
    remove: {
      summary: 'Delete a review queue',
      description: 'Its open items stay, with their due time; new escalations go to another matching queue.',
      run: (cur) => deleteReviewQueue(store, cur),
    },
  });

  app.get(
    '/api/reviews/items',
    {
      schema: {
        tags: ['reviews'],
        summary: 'Review items, soonest due first',
        querystring: ReviewItemsQuery,
        response: { 200: ReviewItemList, ...AUTH_ERRORS },
      },
    },
    async (request) => {
      const { projectId } = authOf(request);
      const q = request.query;
      const now = clock();
      const limit = q.limit ?? 50;
      let after: { key: number; id: string } | undefined;
      if (q.cursor !== undefined) {
        const c = decodeCursor('reviews', q.cursor, 'cursor');
        after = { key: cursorNumber(c, 'due', 'cursor'), id: cursorString(c, 'id', 'cursor', /^rvw_[0-9a-f]{32}$/) };
      }
      const rows = await listReviewItems(store, {
        projectId,
        limit: limit + 1,
        ...(q.status ? { statuses: q.status } : {}),
        ...(q.queue_id !== undefined ? { queueId: q.queue_id } : {}),
        ...(q.agent !== undefined ? { agent: q.agent } : {}),
        ...(q.session_id !== undefined ? { sessionId: q.session_id } : {}),
        ...(q.due === 'overdue' ? { dueBeforeMs: now } : {}),
        ...(q.due === 'soon' ? { dueFromMs: now, dueBeforeMs: now + (q.due_soon_minutes ?? 15) * 60_000 } : {}),
        ...(after ? { after } : {}),
      });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        items: page.map(publicItem),
        next_cursor: rows.length > limit && last ? encodeCursor('reviews', { due: dueSortKey(last), id: last.item_id }) : null,
      };
    },
  );

  app.get(
    '/api/reviews/items/:id',
    {
      schema: {
        tags: ['reviews'],
        summary: 'One review item and its history',
        params: ReviewIdParams,
        response: { 200: ReviewItemDetail, ...AUTH_ERRORS_404 },
      },
    },
    async (request) => {
      const { projectId } = authOf(request);
      const item = await foundItem(store, projectId, request.params.id);
      const history = await listReviewEvents(store, projectId, item.item_id);
      return { item: publicItem(item), history: history.map(publicEvent) };
    },
  );

  app.post(
    '/api/reviews/items/:id/claim',
    {
      schema: {
        tags: ['reviews'],
        summary: 'Claim a review item',
        description: 'Claiming again as the same reviewer is a no-op; another reviewer’s claim is a 409 CAIRN_REVIEW_CLAIMED.',
        params: ReviewIdParams,
        body: ClaimBody,
        response: { 200: ReviewItem, ...CONFLICT },
      },
    },
    async (request) =>
      publicItem(await claimItem(store, authOf(request).projectId, request.params.id, request.body.reviewer, clock())),
  );

  app.post(
    '/api/reviews/items/:id/decide',
    {
      schema: {
        tags: ['reviews'],
        summary: 'Decide a review item: approve, reject or edit',
        description:
          'Also writes the scores `review.decision` and (with `correct`) `review.correct` on the step, source `review`. ' +
          'An item decided already (by a reviewer or an auto fallback) is a 409 CAIRN_REVIEW_DECIDED.',
        params: ReviewIdParams,
        body: DecideBody,
        response: { 200: ReviewItem, ...CONFLICT },
      },
    },
    async (request) => publicItem(await decideItem(store, authOf(request).projectId, request.params.id, request.body, clock())),
  );

  app.get(
    '/api/reviews/history',
    {
      schema: {
        tags: ['reviews'],
        summary: 'Decided and expired items, newest first',
        querystring: ReviewHistoryQuery,
        response: { 200: ReviewHistory, ...AUTH_ERRORS },
      },
    },
    async (request) => {
      const q = request.query;
      const rows = await listDecidedItems(store, {
        projectId: authOf(request).projectId,
        limit: q.limit ?? 100,
        ...(q.agent !== undefined ? { agent: q.agent } : {}),
        ...(q.queue_id !== undefined ? { queueId: q.queue_id } : {}),
      });
      return { items: rows.map(publicItem) };
    },
  );

  app.get(
    '/api/reviews/thresholds',
    {
      schema: {
        tags: ['reviews'],
        summary: 'Per-agent confidence thresholds',
        response: { 200: ReviewThresholdList, ...AUTH_ERRORS },
      },
    },
    async (request) => ({ thresholds: (await listThresholds(store, authOf(request).projectId)).map(publicThreshold) }),
  );

  app.put(
    '/api/reviews/thresholds',
    {
      schema: {
        tags: ['reviews'],
        summary: "Set an agent's confidence threshold ('' = the project default; null removes it)",
        description:
          'Steps reporting a confidence below it open a review item (`rule:low_confidence`); SDKs read it within seconds.',
        body: PutThresholdBody,
        response: { 200: ReviewThresholdList, ...AUTH_ERRORS },
      },
    },
    async (request) => {
      const { projectId } = authOf(request);
      await putThreshold(store, projectId, request.body.agent, request.body.threshold);
      opts.thresholds?.invalidate(projectId);
      return { thresholds: (await listThresholds(store, projectId)).map(publicThreshold) };
    },
  );
}
