import {
  CairnError,
  SessionDetailQuery,
  SessionDetailResponse,
  SessionListQuery,
  SessionListResponse,
  SessionParams,
  StepDetailResponse,
  StepParams,
} from '@cairn/schemas';
import { authOf } from '../auth.js';
import {
  getSessionHead,
  listSessions,
  type SessionFilters,
  getSteps,
  getPreviousState,
  getSpan,
  toStepDetail,
} from '@cairn/storage';
import { sessionEscalations } from '../reviews/session-escalations.js';
import type { ApiInstance, RouteContext } from '../types.js';
import { AUTH_ERRORS, AUTH_ERRORS_404 } from './common.js';

export const DEFAULT_STEPS_LIMIT = 10_000;

/**
 * A JSON answer as bytes, for answers of megabytes (the replay's steps, a session's export). Given
 * a string, Fastify measures it (Buffer.byteLength) and then encodes it again as UTF-8 while
 * writing; given bytes it writes them as they are. JSON.stringify of ASCII data is an ASCII string
 * (byte length = length), which is copied as latin1 — no encoding — and anything else is encoded
 * as UTF-8: the same bytes Fastify would have written for the string.
 */
export function jsonBytes(data: unknown): Buffer {
  const text = JSON.stringify(data);
  return Buffer.byteLength(text) === text.length ? Buffer.from(text, 'latin1') : Buffer.from(text, 'utf8');
}

/**
 * The serializer of big answers: JSON.stringify, about 3x faster than the schema-compiled
 * serializer on thousands of rows (which checks every string), sent as bytes (`jsonBytes`); the
 * handlers build exactly the documented shape. Fastify's types say a serializer returns a string,
 * but its send path takes a Buffer as well (and then skips measuring and encoding it).
 */
export const plainJsonBytes = () => jsonBytes as unknown as (data: unknown) => string;

/** Filter fields of a parsed query string (list and export share them). */
export function filtersOf(q: SessionFilters): SessionFilters {
  const f: SessionFilters = {};
  for (const k of [
    'from',
    'to',
    'agent',
    'workflow',
    'user',
    'status',
    'min_cost',
    'max_cost',
    'has_escalation',
    'has_error',
    'min_steps',
    'q',
    'anomaly',
  ] as const) {
    if (q[k] !== undefined) (f as Record<string, unknown>)[k] = q[k];
  }
  return f;
}

export function registerSessionRoutes(app: ApiInstance, { store }: RouteContext): void {
  app.get(
    '/api/sessions',
    {
      schema: {
        tags: ['sessions'],
        summary: 'List sessions',
        description:
          "Sessions of the caller's project from the sessions rollup, filtered and sorted, one page at a time. " +
          'Paging is by keyset: pass `next_cursor` back as `cursor` with the same filters, sort and order. ' +
          'Sort keys tie-break on session_id, so pages never overlap or skip while rows are only added; a running ' +
          'session whose sort value changes between two pages can move across the page boundary.',
        querystring: SessionListQuery,
        response: { 200: SessionListResponse, ...AUTH_ERRORS },
      },
    },
    async (request) => {
      const q = request.query;
      return listSessions(store, {
        projectId: authOf(request).projectId,
        filters: filtersOf(q),
        sort: q.sort ?? 'recent',
        order: q.order ?? 'desc',
        limit: q.limit ?? 50,
        cursor: q.cursor,
      });
    },
  );

  app.get(
    '/api/sessions/:id',
    {
      schema: {
        tags: ['sessions'],
        summary: 'A session for replay: summary, ordered steps, scores',
        description:
          'Steps are in replay order (start time; spans starting in the same nanosecond come parents first, then by ' +
          'span id) and carry only light columns; prompts, responses, tool arguments/results and state come from ' +
          '`GET /api/sessions/{id}/steps/{span_id}`. `cumulative_cost_usd` is the running sum in that order. ' +
          `Large sessions are paged: at most \`steps_limit\` steps (default ${DEFAULT_STEPS_LIMIT}, max 50,000) per answer; ` +
          'when more remain, `next_steps_cursor` is set and is sent back as `steps_cursor` (the summary and scores are ' +
          'repeated on every page). A page ends between two start times, so it may hold a few steps fewer than the limit. ' +
          '`steps_limit=0` returns the summary and scores only. `caps` are the per-run caps the SDK recorded on the ' +
          'session span (`cairn.cap.*`), null when none.',
        params: SessionParams,
        querystring: SessionDetailQuery,
        response: { 200: SessionDetailResponse, ...AUTH_ERRORS_404 },
      },
      serializerCompiler: plainJsonBytes,
    },
    async (request) => {
      const { projectId } = authOf(request);
      const { id } = request.params;
      // Summary, anomalies, title, caps and scores come in one statement (getSessionHead), then
      // the steps: chDB runs the read connection's statements one at a time, each at a fixed cost.
      const head = await getSessionHead(store, projectId, id);
      if (!head) throw new CairnError('CAIRN_NOT_FOUND', `no session "${id}" in this project`);
      const limit = request.query.steps_limit ?? DEFAULT_STEPS_LIMIT;
      const [page, escalations] = await Promise.all([
        getSteps(store, projectId, id, head.startNs, limit, request.query.steps_cursor),
        head.summary.escalations > 0 ? sessionEscalations(store, projectId, id) : [],
      ]);
      return {
        session: head.summary,
        caps: head.caps,
        steps: page.steps,
        next_steps_cursor: page.next_cursor,
        scores: head.scores,
        escalations,
      };
    },
  );

  app.get(
    '/api/sessions/:id/steps/:span_id',
    {
      schema: {
        tags: ['sessions'],
        summary: 'One step with its payloads and the previous state snapshot',
        description:
          'Everything the span recorded (input, output, state, attributes, events) plus `previous_state`: the latest ' +
          'snapshot recorded strictly before this step (by start time, then span id), for a diff.',
        params: StepParams,
        response: { 200: StepDetailResponse, ...AUTH_ERRORS_404 },
      },
    },
    async (request) => {
      const { projectId } = authOf(request);
      const { id, span_id: spanId } = request.params;
      const span = await getSpan(store, projectId, id, spanId);
      if (!span) throw new CairnError('CAIRN_NOT_FOUND', `no step "${spanId}" in session "${id}" of this project`);
      const previous = await getPreviousState(store, projectId, span);
      return { step: toStepDetail(span), previous_state: previous };
    },
  );
}
