import {
  EffectiveThreshold,
  EscalationBody,
  EscalationStatus,
  EscalationWaitQuery,
  ReviewIdParams,
  ThresholdQuery,
} from '@cairn/schemas';
import { getReviewItem, reviewItemIdOf, thresholdFor } from '@cairn/storage';
import { authOf } from '../auth.js';
import { openItems } from '@cairn/alerts';
import { escalationStatus, foundItem, jsonText } from '../reviews/items.js';
import { ThresholdCache } from '../reviews/threshold-cache.js';
import type { ApiInstance, RouteContext } from '../types.js';
import { AUTH_ERRORS, AUTH_ERRORS_404 } from './common.js';

export interface EscalationRouteOptions {
  /** How often a long-poll re-reads its item (default 250 ms). */
  pollMs?: number;
  /** Shared with the admin routes, which clear it on a change. */
  thresholds?: ThresholdCache;
  clock?: () => number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The SDK's side of reviews, for ingest and admin keys (like `/api/guard`, in its own scope so
 * the admin-only hook does not apply): open an item for a step, wait for its decision, read
 * the agent's trust threshold.
 */
export async function registerEscalationRoutes(
  app: ApiInstance,
  { store, auth }: RouteContext,
  opts: EscalationRouteOptions = {},
): Promise<void> {
  const clock = opts.clock ?? Date.now;
  const pollMs = opts.pollMs ?? 250;
  const thresholds = opts.thresholds ?? new ThresholdCache(store);

  await app.register(async (scope: ApiInstance) => {
    scope.addHook('onRequest', auth.require(['ingest', 'admin']));

    scope.post(
      '/api/escalations',
      {
        schema: {
          tags: ['reviews'],
          summary: 'Open a review item for a step (ingest or admin key)',
          description:
            'Idempotent per (session, span): sending the same escalation again answers the same item (source `sdk`). ' +
            'The item goes to the most specific matching queue and is due after its SLA.',
          body: EscalationBody,
          response: { 200: EscalationStatus, ...AUTH_ERRORS },
        },
      },
      async (request) => {
        const { projectId } = authOf(request);
        const b = request.body;
        const draft = {
          projectId,
          sessionId: b.session_id,
          spanId: b.span_id,
          agent: b.agent ?? '',
          workflow: b.workflow ?? '',
          reason: b.reason,
          source: 'sdk',
          confidence: b.confidence ?? null,
          proposedAction: jsonText(b.proposed_action, 'proposed_action'),
          state: jsonText(b.state, 'state'),
          costUsd: b.cost_usd ?? 0,
        };
        await openItems(store, [draft], clock());
        return escalationStatus(await foundItem(store, projectId, reviewItemIdOf(projectId, b.session_id, b.span_id, 'sdk')));
      },
    );

    scope.get(
      '/api/escalations/thresholds',
      {
        schema: {
          tags: ['reviews'],
          summary: "The agent's confidence threshold (ingest or admin key)",
          description: "The agent's own threshold, else the project default, else null; up to a few seconds old.",
          querystring: ThresholdQuery,
          response: { 200: EffectiveThreshold, ...AUTH_ERRORS },
        },
      },
      async (request) => {
        const { projectId } = authOf(request);
        const agent = request.query.agent ?? '';
        return { agent, threshold: thresholdFor(await thresholds.get(projectId), projectId, agent) };
      },
    );

    scope.get(
      '/api/escalations/:id',
      {
        schema: {
          tags: ['reviews'],
          summary: 'The state of an escalation; long-polls with `wait` (ingest or admin key)',
          description:
            'Answers at once when the item is resolved (`resolved: true`: a decision by a reviewer or an auto ' +
            'fallback) or `wait` is 0; otherwise re-reads the item until it is resolved or `wait` seconds pass, then ' +
            'answers its current state. With a `hold` fallback an expired item stays unresolved.',
          params: ReviewIdParams,
          querystring: EscalationWaitQuery,
          response: { 200: EscalationStatus, ...AUTH_ERRORS_404 },
        },
      },
      async (request, reply) => {
        const { projectId } = authOf(request);
        const id = request.params.id;
        let item = await foundItem(store, projectId, id);
        const until = Date.now() + (request.query.wait ?? 0) * 1000;
        let gone = false;
        // The client gave up (the SDK's own timeout): stop polling for it.
        reply.raw.once('close', () => (gone = true));
        while (item.decision === '' && Date.now() < until && !gone) {
          await sleep(Math.min(pollMs, Math.max(0, until - Date.now())));
          item = (await getReviewItem(store, projectId, id)) ?? item;
        }
        return escalationStatus(item);
      },
    );
  });
}
