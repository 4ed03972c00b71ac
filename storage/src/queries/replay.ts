import type { Step } from '@cairn/schemas';
import { queryText } from '../connection.js';
import { clientsOf, type Store } from '../store.js';
import { cursorNumber, cursorString, decodeCursor, encodeCursor } from './cursor.js';

/**
 * Replay order: by start time; spans that start in the same nanosecond come parents first, then
 * by span id. Duplicates of a span (exporter retries not merged yet) share the table's sorting
 * key (start time, span id) — the key ReplacingMergeTree collapses them on — so they arrive
 * next to each other and `dropDuplicates` keeps the first. Big columns are never read here
 * (`has_state` is a materialized flag).
 */
export interface OrderedSpan {
  span_id: string;
  parent_span_id: string;
  start_ns: string;
}

/**
 * Drops rows equal to their predecessor on (start, span id). Rows must come in `ORDER BY
 * start_time, span_id`. Done here rather than with SQL `LIMIT 1 BY`, which cost ClickHouse ~1.5x
 * the CPU of the whole query (10,000-step page 65 → 45 ms, 501-step page 27 → 18 ms at 10M
 * spans, BENCHMARKS.md) and read `trace_id` only to drop rows that are almost always unique.
 */
export function dropDuplicates<T extends OrderedSpan>(rows: T[]): T[] {
  let prev: T | undefined;
  return rows.filter((r) => {
    const dup = prev !== undefined && prev.start_ns === r.start_ns && prev.span_id === r.span_id;
    prev = r;
    return !dup;
  });
}

/** Reorders each run of equal start times so that a parent precedes its children. */
export function parentsFirst<T extends OrderedSpan>(rows: T[]): T[] {
  const out: T[] = [];
  let i = 0;
  while (i < rows.length) {
    let j = i + 1;
    while (j < rows.length && rows[j]!.start_ns === rows[i]!.start_ns) j++;
    if (j - i === 1) out.push(rows[i]!);
    else out.push(...orderTieGroup(rows.slice(i, j)));
    i = j;
  }
  return out;
}

function orderTieGroup<T extends OrderedSpan>(group: T[]): T[] {
  const byId = new Map(group.map((r) => [r.span_id, r]));
  const depth = new Map<string, number>();
  const depthOf = (r: T, seen: number): number => {
    const known = depth.get(r.span_id);
    if (known !== undefined) return known;
    const parent = byId.get(r.parent_span_id);
    // `seen` bounds the walk: a corrupt parent cycle must not recurse forever.
    const d = parent && seen < group.length ? depthOf(parent, seen + 1) + 1 : 0;
    depth.set(r.span_id, d);
    return d;
  };
  return group
    .map((r) => ({ r, d: depthOf(r, 0) }))
    .sort((a, b) => a.d - b.d || (a.r.span_id < b.r.span_id ? -1 : a.r.span_id > b.r.span_id ? 1 : 0))
    .map((x) => x.r);
}

const STEP_COLUMNS = [
  'span_id',
  'parent_span_id',
  'toString(toUnixTimestamp64Nano(start_time))',
  'kind',
  'name',
  'agent_name',
  'duration_ns',
  'status',
  'status_message',
  'model',
  'input_tokens',
  'output_tokens',
  'cost_usd',
  'confidence',
  'tool_name',
  'has_state',
  'has_escalation',
  'has_limit_hit',
];

/** One row of STEP_COLUMNS as JSONCompact gives it (the three ordering fields first). */
type StepTuple = [
  span_id: string,
  parent_span_id: string,
  start_ns: string,
  kind: string,
  name: string,
  agent_name: string,
  duration_ns: number,
  status: string,
  status_message: string,
  model: string,
  input_tokens: number,
  output_tokens: number,
  cost_usd: number,
  confidence: number | null,
  tool_name: string,
  has_state: number,
  has_escalation: number,
  has_limit_hit: number,
];

/** A tuple seen as an `OrderedSpan`, for the rare runs of equal start times (`parentsFirst`). */
interface TieRow extends OrderedSpan {
  t: StepTuple;
}

/**
 * Replay order of rows read in `ORDER BY start_time, span_id`: duplicates dropped
 * (`dropDuplicates`), each run of equal start times parents first (`parentsFirst`). Works on the
 * tuples as parsed and wraps only the rows of a tie run: at 10,000 steps an object per row
 * (and the arrays two passes build) was a measurable share of the answer's time.
 */
function replayOrder(rows: StepTuple[]): StepTuple[] {
  const out: StepTuple[] = [];
  let i = 0;
  while (i < rows.length) {
    const start = rows[i]![2];
    let j = i + 1;
    while (j < rows.length && rows[j]![2] === start) j++;
    if (j - i === 1) out.push(rows[i]!);
    else {
      const run = rows.slice(i, j).map((t): TieRow => ({ span_id: t[0], parent_span_id: t[1], start_ns: t[2], t }));
      for (const r of parentsFirst(dropDuplicates(run))) out.push(r.t);
    }
    i = j;
  }
  return out;
}

/**
 * `Date#toISOString` of epoch milliseconds, reusing the text up to the minute: consecutive steps
 * of a session mostly share it. 10,000 steps ~1.1 s apart: 4.5 ms with `toISOString`, 0.4 ms here
 * (medians of 40, load 1.9).
 */
export class IsoClock {
  private minute = NaN;
  private prefix = '';

  iso(ms: number): string {
    const minute = Math.floor(ms / 60_000);
    if (minute !== this.minute) {
      // 'YYYY-MM-DDTHH:MM:' (or the ±YYYYYY form of far years): everything before 'SS.mmmZ'.
      const full = new Date(ms).toISOString();
      this.minute = minute;
      this.prefix = full.slice(0, -7);
      return full;
    }
    const inMinute = ms - minute * 60_000;
    const sec = Math.floor(inMinute / 1000);
    const milli = inMinute - sec * 1000;
    return `${this.prefix}${sec < 10 ? '0' : ''}${sec}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
  }
}

export interface StepsPage {
  steps: Step[];
  next_cursor: string | null;
}

const NS = /^[0-9]{1,20}$/;

/**
 * A page of replay steps. Pages end between two start times (never inside a run of equal
 * start times, unless a single run is larger than the page), so the parents-first order and
 * the cursor `(start, span_id)` agree; the cursor also carries the running cost and index.
 */
export async function getSteps(
  store: Store,
  projectId: string,
  sessionId: string,
  sessionStartNs: bigint,
  limit: number,
  cursor: string | undefined,
): Promise<StepsPage> {
  const params: Record<string, unknown> = { p: projectId, id: sessionId, n: limit + 1 };
  let cumulative = 0;
  let index = 0;
  let after = '';
  if (cursor !== undefined) {
    const c = decodeCursor('steps', cursor, 'steps_cursor');
    params.cs = cursorString(c, 's', 'steps_cursor', NS);
    params.cid = cursorString(c, 'id', 'steps_cursor');
    cumulative = cursorNumber(c, 'c', 'steps_cursor');
    index = cursorNumber(c, 'i', 'steps_cursor');
    after = `AND (start_time, span_id) > (fromUnixTimestamp64Nano({cs:Int64}, 'UTC'), {cid:String})`;
  }
  if (limit === 0) return { steps: [], next_cursor: null };
  // JSONCompact (one document of arrays) parses about 1.5x faster than JSONEachRow at 10k rows;
  // read as text in one piece (queryText) rather than through the client's result set.
  const text = await queryText(
    clientsOf(store).read,
    `SELECT ${STEP_COLUMNS.join(', ')}
     FROM spans
     WHERE project_id = {p:String} AND session_id = {id:String} ${after}
     ORDER BY start_time, span_id
     LIMIT {n:UInt32}`,
    params,
    'JSONCompact',
  );
  const rows = (JSON.parse(text) as { data: StepTuple[] }).data;
  // Paging is decided on the rows as read (duplicates included): a duplicate has its original's
  // start time, so the cut between two start times never separates it from the original.
  let page = rows;
  let more = false;
  if (rows.length > limit) {
    more = true;
    const boundary = rows[limit]![2];
    let end = limit;
    while (end > 0 && rows[end - 1]![2] === boundary) end--;
    page = rows.slice(0, end > 0 ? end : limit);
  }
  const lastInSqlOrder = page[page.length - 1];
  const clock = new IsoClock();
  const steps: Step[] = [];
  for (const t of replayOrder(page)) {
    cumulative += t[12];
    const startNs = BigInt(t[2]);
    steps.push({
      index: index++,
      span_id: t[0],
      parent_span_id: t[1] === '' ? null : t[1],
      kind: t[3],
      name: t[4],
      agent_name: t[5],
      start_time: clock.iso(Number(startNs / 1_000_000n)),
      offset_ms: Number(startNs - sessionStartNs) / 1e6,
      duration_ms: Number(t[6]) / 1e6,
      status: t[7],
      status_message: t[8],
      model: t[9],
      input_tokens: Number(t[10]),
      output_tokens: Number(t[11]),
      cost_usd: t[12],
      cumulative_cost_usd: Math.round(cumulative * 1e10) / 1e10,
      confidence: t[13],
      tool_name: t[14],
      has_state: Number(t[15]) === 1,
      has_escalation: Number(t[16]) === 1,
      has_limit_hit: Number(t[17]) === 1,
    });
  }
  return {
    steps,
    next_cursor:
      more && lastInSqlOrder
        ? encodeCursor('steps', { s: lastInSqlOrder[2], id: lastInSqlOrder[0], c: cumulative, i: index })
        : null,
  };
}
