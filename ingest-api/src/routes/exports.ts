import { Readable } from 'node:stream';
import { CairnError, SessionExport, SessionExportQuery, SessionParams, type SessionSummary } from '@cairn/schemas';
import type { Store } from '@cairn/storage';
import { authOf } from '../auth.js';
import { getSessionHead, listSessions, type SessionPageRequest, listScores, getFullSpans, toStepDetail } from '@cairn/storage';
import type { ApiInstance, RouteContext } from '../types.js';
import { AUTH_ERRORS_404 } from './common.js';
import { filtersOf, plainJsonBytes } from './sessions.js';

/** Sessions read per round trip while streaming an export. */
const EXPORT_PAGE = 200;

const fileSafe = (s: string): string => s.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100);

export function registerExportRoutes(app: ApiInstance, { store }: RouteContext): void {
  app.get(
    '/api/sessions/:id/export',
    {
      schema: {
        tags: ['exports'],
        summary: 'One session as JSON, with every payload (for audits)',
        description: 'The summary, every step in replay order with input, output, state, attributes and events, and the scores.',
        params: SessionParams,
        response: { 200: SessionExport, ...AUTH_ERRORS_404 },
      },
      serializerCompiler: plainJsonBytes,
    },
    async (request, reply) => {
      const { projectId } = authOf(request);
      const { id } = request.params;
      // Summary and scores in one statement (the replay's head), then the full spans.
      const head = await getSessionHead(store, projectId, id);
      if (!head) throw new CairnError('CAIRN_NOT_FOUND', `no session "${id}" in this project`);
      const spans = await getFullSpans(store, projectId, [id]);
      void reply.header('content-disposition', `attachment; filename="cairn-session-${fileSafe(id)}.json"`);
      return {
        format: 'cairn.session.v1' as const,
        exported_at: new Date().toISOString(),
        session: head.summary,
        steps: (spans.get(id) ?? []).map(toStepDetail),
        scores: head.scores,
      };
    },
  );

  app.get(
    '/api/exports/sessions',
    {
      schema: {
        tags: ['exports'],
        summary: 'Sessions matching a filter as JSON Lines (evaluation datasets)',
        description:
          'Takes the filters and sort of `GET /api/sessions`. Streams `application/x-ndjson`: one line per session, ' +
          '`{ "session": {…}, "steps": [ … every step with payloads … ], "scores": [ … ] }` in the `cairn.session.v1` ' +
          'shape of the single-session export. `steps=none` leaves steps out. At most `limit` sessions (default 1,000).',
        querystring: SessionExportQuery,
        // No response schemas: a typed reply would not accept the stream (errors are the usual shape).
      },
    },
    async (request, reply) => {
      const q = request.query;
      const base: SessionPageRequest = {
        projectId: authOf(request).projectId,
        filters: filtersOf(q),
        sort: q.sort ?? 'recent',
        order: q.order ?? 'desc',
        limit: Math.min(EXPORT_PAGE, q.limit ?? 1000),
      };
      // The first page runs before the answer starts, so a bad filter is still a clean 400.
      const first = await listSessions(store, base);
      const lines = exportLines(store, base, first, q.limit ?? 1000, q.steps !== 'none');
      void reply
        .header('content-type', 'application/x-ndjson; charset=utf-8')
        .header('content-disposition', 'attachment; filename="cairn-sessions.jsonl"');
      return reply.send(Readable.from(lines));
    },
  );
}

async function* exportLines(
  store: Store,
  base: SessionPageRequest,
  first: { sessions: SessionSummary[]; next_cursor: string | null },
  max: number,
  withSteps: boolean,
): AsyncGenerator<string> {
  let page = first;
  let sent = 0;
  for (;;) {
    const sessions = page.sessions.slice(0, max - sent);
    const ids = sessions.map((s) => s.session_id);
    const [spans, scores] = await Promise.all([
      withSteps ? getFullSpans(store, base.projectId, ids) : Promise.resolve(undefined),
      listScores(store, base.projectId, ids),
    ]);
    let chunk = '';
    for (const s of sessions) {
      const line: Record<string, unknown> = { session: s };
      if (spans) line.steps = (spans.get(s.session_id) ?? []).map(toStepDetail);
      line.scores = scores.get(s.session_id) ?? [];
      chunk += JSON.stringify(line) + '\n';
    }
    if (chunk !== '') yield chunk;
    sent += sessions.length;
    if (sent >= max || page.next_cursor === null) return;
    page = await listSessions(store, { ...base, limit: Math.min(EXPORT_PAGE, max - sent), cursor: page.next_cursor });
  }
}
