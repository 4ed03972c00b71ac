import type { SessionSummary } from '@cairn/schemas';
import { CORPUS_T0, expectedIds, type SortName } from './corpus.js';

/**
 * Filter cases for the session list: a query string and the predicate it must mean. Shared by
 * the in-process test and the over-HTTP test against `cairn start` with OTLP data.
 */
export interface ListCase {
  name: string;
  query: string;
  match: (s: SessionSummary) => boolean;
}

const HOUR = 3_600_000;
const from = new Date(CORPUS_T0 + 48 * HOUR).toISOString();
const to = CORPUS_T0 + 120 * HOUR;

export function listCases(all: SessionSummary[]): ListCase[] {
  // Pick values from the corpus itself so every case selects a non-trivial subset.
  const someId = all[123]?.session_id ?? all[0]!.session_id;
  const q = someId.slice(5, 9); // e.g. "0012": matches sess-0012x-…
  return [
    { name: 'no filter', query: '', match: () => true },
    {
      name: 'time range',
      query: `from=${encodeURIComponent(from)}&to=${to}`,
      match: (s) => Date.parse(s.start_time) >= Date.parse(from) && Date.parse(s.start_time) < to,
    },
    { name: 'one agent', query: 'agent=coder', match: (s) => s.agent_name === 'coder' },
    {
      name: 'two agents',
      query: 'agent=coder&agent=planner',
      match: (s) => s.agent_name === 'coder' || s.agent_name === 'planner',
    },
    { name: 'workflow', query: 'workflow=refund', match: (s) => s.workflow === 'refund' },
    { name: 'user', query: 'user=user-07', match: (s) => s.user_id === 'user-07' },
    { name: 'status error', query: 'status=error', match: (s) => s.status === 'error' },
    {
      name: 'status running or ok',
      query: 'status=running&status=ok',
      match: (s) => s.status === 'running' || s.status === 'ok',
    },
    // Costs are whole micro-dollars; bounds fall between them so float sums cannot straddle them.
    {
      name: 'cost range',
      query: 'min_cost=0.0050005&max_cost=0.0120005',
      match: (s) => s.cost_usd >= 0.0050005 && s.cost_usd <= 0.0120005,
    },
    { name: 'min cost', query: 'min_cost=0.0200005', match: (s) => s.cost_usd >= 0.0200005 },
    { name: 'max cost zero', query: 'max_cost=0', match: (s) => s.cost_usd === 0 },
    { name: 'has escalation', query: 'has_escalation=true', match: (s) => s.escalations > 0 },
    { name: 'no escalation', query: 'has_escalation=false', match: (s) => s.escalations === 0 },
    { name: 'has error', query: 'has_error=true', match: (s) => s.errors > 0 },
    { name: 'min steps', query: 'min_steps=9', match: (s) => s.steps >= 9 },
    { name: 'id text match', query: `q=${q}`, match: (s) => s.session_id.toLowerCase().includes(q.toLowerCase()) },
    { name: 'id text match, upper case', query: 'q=SESS-0004', match: (s) => s.session_id.includes('sess-0004') },
    {
      name: 'combined',
      query: `agent=researcher&agent=reviewer&has_escalation=false&min_steps=3&from=${encodeURIComponent(from)}`,
      match: (s) =>
        (s.agent_name === 'researcher' || s.agent_name === 'reviewer') &&
        s.escalations === 0 &&
        s.steps >= 3 &&
        Date.parse(s.start_time) >= Date.parse(from),
    },
    { name: 'matches nothing', query: 'user=nobody', match: () => false },
  ];
}

export const SORTS: SortName[] = ['recent', 'cost', 'duration', 'steps'];

/** Pages through a listing with `limit`, returning the ids in order and the number of pages. */
export async function pageAll(
  get: (url: string) => Promise<{ status: number; body: any }>,
  query: string,
  limit: number,
  startCursor: string | null = null,
): Promise<{ ids: string[]; pages: number; rows: SessionSummary[] }> {
  const rows: SessionSummary[] = [];
  let cursor: string | null = startCursor;
  let pages = 0;
  for (;;) {
    const qs = [query, `limit=${limit}`, cursor ? `cursor=${encodeURIComponent(cursor)}` : ''].filter((x) => x !== '').join('&');
    const { status, body } = await get(`/api/sessions?${qs}`);
    if (status !== 200) throw new Error(`GET /api/sessions?${qs} → ${status} ${JSON.stringify(body)}`);
    rows.push(...body.sessions);
    pages++;
    cursor = body.next_cursor;
    if (!cursor) break;
    if (body.sessions.length !== limit) throw new Error(`a page before the last one has ${body.sessions.length} rows`);
    if (pages > 10_000) throw new Error('paging does not end');
  }
  return { ids: rows.map((r) => r.session_id), pages, rows };
}

export { expectedIds };
