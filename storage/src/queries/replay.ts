import type { Step } from '@cairn/schemas';
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

type StepTuple = [
  string,
  string,
  string,
  string,
  string,
  string,
  number,
  string,
  string,
  string,
  number,
  number,
  number,
  number | null,
  string,
  number,
  number,
  number,
];

function fromTuple(t: StepTuple): StepRow {
  return {
    span_id: t[0],
    parent_span_id: t[1],
    start_ns: t[2],
    kind: t[3],
    name: t[4],
    agent_name: t[5],
    duration_ns: t[6],
    status: t[7],
    status_message: t[8],
    model: t[9],
    input_tokens: t[10],
    output_tokens: t[11],
    cost_usd: t[12],
    confidence: t[13],
    tool_name: t[14],
    has_state: t[15],
    has_escalation: t[16],
    has_limit_hit: t[17],
  };
}

interface StepRow extends OrderedSpan {
  kind: string;
  name: string;
  agent_name: string;
  duration_ns: number;
  status: string;
  status_message: string;
  model: string;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  confidence: number | null;
  tool_name: string;
  has_state: number;
  has_escalation: number;
  has_limit_hit: number;
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
  // JSONCompact (one document of arrays) parses about 1.5x faster than JSONEachRow at 10k rows.
  const rs = await clientsOf(store).read.query({
    query: `SELECT ${STEP_COLUMNS.join(', ')}
     FROM spans
     WHERE project_id = {p:String} AND session_id = {id:String} ${after}
     ORDER BY start_time, span_id
     LIMIT {n:UInt32}`,
    format: 'JSONCompact',
    query_params: params,
  });
  const rows = ((await rs.json()) as { data: StepTuple[] }).data.map(fromTuple);
  // Paging is decided on the rows as read (duplicates included): a duplicate has its original's
  // start time, so the cut between two start times never separates it from the original.
  let page = rows;
  let more = false;
  if (rows.length > limit) {
    more = true;
    const boundary = rows[limit]!.start_ns;
    let end = limit;
    while (end > 0 && rows[end - 1]!.start_ns === boundary) end--;
    page = rows.slice(0, end > 0 ? end : limit);
  }
  const lastInSqlOrder = page[page.length - 1];
  page = dropDuplicates(page);
  const steps: Step[] = [];
  for (const r of parentsFirst(page)) {
    cumulative += r.cost_usd;
    const startNs = BigInt(r.start_ns);
    steps.push({
      index: index++,
      span_id: r.span_id,
      parent_span_id: r.parent_span_id === '' ? null : r.parent_span_id,
      kind: r.kind,
      name: r.name,
      agent_name: r.agent_name,
      start_time: new Date(Number(startNs / 1_000_000n)).toISOString(),
      offset_ms: Number(startNs - sessionStartNs) / 1e6,
      duration_ms: Number(r.duration_ns) / 1e6,
      status: r.status,
      status_message: r.status_message,
      model: r.model,
      input_tokens: Number(r.input_tokens),
      output_tokens: Number(r.output_tokens),
      cost_usd: r.cost_usd,
      cumulative_cost_usd: Math.round(cumulative * 1e10) / 1e10,
      confidence: r.confidence,
      tool_name: r.tool_name,
      has_state: Number(r.has_state) === 1,
      has_escalation: Number(r.has_escalation) === 1,
      has_limit_hit: Number(r.has_limit_hit) === 1,
    });
  }
  return {
    steps,
    next_cursor:
      more && lastInSqlOrder
        ? encodeCursor('steps', { s: lastInSqlOrder.start_ns, id: lastInSqlOrder.span_id, c: cumulative, i: index })
        : null,
  };
}
