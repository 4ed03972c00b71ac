import { CairnError, DeadLetterList, DeadLettersQuery, RedriveBody, RedriveResult } from '@cairn/schemas';
import { listDeadLetters } from '@cairn/storage';
import { authOf } from '../auth.js';
import {
  cursorNumber,
  cursorString,
  decodeCursor,
  encodeCursor,
  redriveDeadLetters,
  toDeadLetter,
  parseTime,
} from '@cairn/storage';
import type { ApiInstance, RouteContext } from '../types.js';
import { AUTH_ERRORS } from './common.js';

const CURSOR_KIND = 'dead-letters';

export function registerDeadLetterRoutes(app: ApiInstance, { store }: RouteContext): void {
  app.get(
    '/api/dead-letters',
    {
      schema: {
        tags: ['dead letters'],
        summary: 'Spans the store refused for a data error, newest first',
        description:
          'The collector sets aside a span ClickHouse refuses for a reason retrying cannot fix, writes the rest of its ' +
          'batch, and keeps the span here with the error. Outages are retried, never dead-lettered.',
        querystring: DeadLettersQuery,
        response: { 200: DeadLetterList, ...AUTH_ERRORS },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = q.limit ?? 100;
      const fromMs = q.from !== undefined ? parseTime(q.from, 'from') : undefined;
      const toMs = q.to !== undefined ? parseTime(q.to, 'to') : undefined;
      if (fromMs !== undefined && toMs !== undefined && fromMs >= toMs)
        throw new CairnError('CAIRN_BAD_REQUEST', '`from` must be before `to`');
      let before: { ms: number; id: string } | undefined;
      if (q.cursor !== undefined) {
        const c = decodeCursor(CURSOR_KIND, q.cursor, 'cursor');
        before = { ms: cursorNumber(c, 'ms', 'cursor'), id: cursorString(c, 'id', 'cursor') };
      }
      const rows = await listDeadLetters(store, {
        projectId: authOf(request).projectId,
        limit: limit + 1,
        ...(q.reason !== undefined ? { reason: q.reason } : {}),
        ...(fromMs !== undefined ? { fromMs } : {}),
        ...(toMs !== undefined ? { toMs } : {}),
        ...(q.pending ? { pendingOnly: true } : {}),
        ...(before ? { before } : {}),
      });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        dead_letters: page.map(toDeadLetter),
        next_cursor:
          rows.length > limit && last ? encodeCursor(CURSOR_KIND, { ms: last.received_ms, id: last.dead_letter_id }) : null,
      };
    },
  );

  app.post(
    '/api/dead-letters/redrive',
    {
      schema: {
        tags: ['dead letters'],
        summary: 'Insert pending dead letters again, after the cause is fixed',
        description:
          'Takes pending dead letters (these ids, or those matching the reason; oldest first, up to `limit`) and inserts ' +
          'them as they were refused. Those the store takes are marked re-driven; those it refuses again stay pending ' +
          'and are listed in `failed` with the error.',
        body: RedriveBody,
        response: { 200: RedriveResult, ...AUTH_ERRORS },
      },
    },
    async (request) => {
      const b = request.body;
      return redriveDeadLetters(store, {
        projectId: authOf(request).projectId,
        limit: b.limit ?? b.ids?.length ?? 100,
        ...(b.ids !== undefined ? { ids: b.ids } : {}),
        ...(b.reason !== undefined ? { reason: b.reason } : {}),
      });
    },
  );
}
