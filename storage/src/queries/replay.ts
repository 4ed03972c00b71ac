import { queryBytes } from '../connection.js';
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

/**
 * The steps query's columns, as TabSeparatedRaw: the replay order's keys, then each step's JSON
 * written by ClickHouse in two pieces (`toJSONString` escapes every string, numbers are written
 * as JSON numbers, a NaN / infinite cost as null) around the two fields only the page can compute
 * (`index`, `cumulative_cost_usd`). Nothing here can hold a tab or a newline: the ids are JSON
 * literals and the pieces JSON text, so raw TSV splits cleanly. Node then only stitches text: at
 * 10,000 steps, parsing the rows into objects and serializing them again was most of the
 * answer's time (JSON.parse, JSON.stringify, and the GC of ~200k values).
 */
const STEP_COLUMNS = [
  'toString(toUnixTimestamp64Nano(start_time))',
  'toJSONString(span_id)',
  'toJSONString(parent_span_id)',
  'toJSONString(cost_usd)',
  `concat(
     '"span_id":', toJSONString(span_id),
     ',"parent_span_id":', if(parent_span_id = '', 'null', toJSONString(parent_span_id)),
     ',"kind":', toJSONString(kind),
     ',"name":', toJSONString(name),
     ',"agent_name":', toJSONString(agent_name),
     ',"start_time":"', formatDateTime(start_time, '%Y-%m-%dT%H:%i:%S.'),
       leftPad(toString(toUnixTimestamp64Milli(start_time) % 1000), 3, '0'), 'Z"',
     ',"offset_ms":', toJSONString((toUnixTimestamp64Nano(start_time) - {s0:Int64}) / 1e6),
     ',"duration_ms":', toJSONString(duration_ns / 1e6),
     ',"status":', toJSONString(status),
     ',"status_message":', toJSONString(status_message),
     ',"model":', toJSONString(model),
     ',"input_tokens":', toString(input_tokens),
     ',"output_tokens":', toString(output_tokens),
     ',"cost_usd":', toJSONString(cost_usd))`,
  `concat(
     '"confidence":', if(isNull(confidence), 'null', toJSONString(assumeNotNull(confidence))),
     ',"tool_name":', toJSONString(tool_name),
     ',"has_state":', if(has_state = 1, 'true', 'false'),
     ',"has_escalation":', if(has_escalation = 1, 'true', 'false'),
     ',"has_limit_hit":', if(has_limit_hit = 1, 'true', 'false'))`,
];

/**
 * One line of the steps query, located in the answer's bytes: the ordering keys as latin1 text
 * (start ns; the ids as JSON literals, which are equal exactly when the ids are) and the byte
 * ranges of the two JSON pieces, copied to the answer as they are.
 */
interface StepLine extends OrderedSpan {
  cost: number;
  headFrom: number;
  headTo: number;
  tailFrom: number;
  tailTo: number;
}

const TAB = 0x09;
const NEWLINE = 0x0a;

/** The lines of a TabSeparatedRaw answer of STEP_COLUMNS. */
function stepLines(bytes: Buffer): StepLine[] {
  const lines: StepLine[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const end = bytes.indexOf(NEWLINE, pos);
    const lineEnd = end === -1 ? bytes.length : end;
    const t1 = bytes.indexOf(TAB, pos);
    const t2 = bytes.indexOf(TAB, t1 + 1);
    const t3 = bytes.indexOf(TAB, t2 + 1);
    const t4 = bytes.indexOf(TAB, t3 + 1);
    const t5 = bytes.indexOf(TAB, t4 + 1);
    if (t1 === -1 || t5 === -1 || t5 > lineEnd) throw new Error('steps query: a line without its six columns');
    lines.push({
      start_ns: bytes.toString('latin1', pos, t1),
      span_id: bytes.toString('latin1', t1 + 1, t2),
      parent_span_id: bytes.toString('latin1', t2 + 1, t3),
      // A NaN / infinite cost is null in the step (as JSON.parse of it gave) and adds nothing.
      cost: Number(bytes.toString('latin1', t3 + 1, t4)),
      headFrom: t4 + 1,
      headTo: t5,
      tailFrom: t5 + 1,
      tailTo: lineEnd,
    });
    pos = lineEnd + 1;
  }
  return lines;
}

/** Replay order: duplicates dropped (`dropDuplicates`), each run of equal start times parents first (`parentsFirst`). */
function replayOrder(lines: StepLine[]): StepLine[] {
  const out: StepLine[] = [];
  let i = 0;
  while (i < lines.length) {
    const start = lines[i]!.start_ns;
    let j = i + 1;
    while (j < lines.length && lines[j]!.start_ns === start) j++;
    if (j - i === 1) out.push(lines[i]!);
    else out.push(...parentsFirst(dropDuplicates(lines.slice(i, j))));
    i = j;
  }
  return out;
}

/** A JSON number as JSON.stringify writes it (non-finite → null). */
const jsonNumber = (n: number): string => (Number.isFinite(n) ? String(n) : 'null');

/** Bytes a step adds around its two pieces: `{"index":N,` `,"cumulative_cost_usd":X,` `}` and a comma (numbers ≤ 24 chars). */
const STEP_FRAME_MAX = 96;

export interface StepsPage {
  /** The page's steps as a JSON array of the documented `Step` objects (UTF-8), ready to be sent. */
  stepsJson: Buffer;
  count: number;
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
  const params: Record<string, unknown> = { p: projectId, id: sessionId, n: limit + 1, s0: sessionStartNs.toString() };
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
  if (limit === 0) return { stepsJson: Buffer.from('[]'), count: 0, next_cursor: null };
  const bytes = await queryBytes(
    clientsOf(store).read,
    `SELECT ${STEP_COLUMNS.join(', ')}
     FROM spans
     WHERE project_id = {p:String} AND session_id = {id:String} ${after}
     ORDER BY start_time, span_id
     LIMIT {n:UInt32}`,
    params,
    'TabSeparatedRaw',
  );
  const lines = stepLines(bytes);
  // Paging is decided on the rows as read (duplicates included): a duplicate has its original's
  // start time, so the cut between two start times never separates it from the original.
  let page = lines;
  let more = false;
  if (lines.length > limit) {
    more = true;
    const boundary = lines[limit]!.start_ns;
    let end = limit;
    while (end > 0 && lines[end - 1]!.start_ns === boundary) end--;
    page = lines.slice(0, end > 0 ? end : limit);
  }
  const lastInSqlOrder = page[page.length - 1];
  const ordered = replayOrder(page);
  let size = 2;
  for (const l of ordered) size += l.headTo - l.headFrom + l.tailTo - l.tailFrom + STEP_FRAME_MAX;
  const out = Buffer.allocUnsafe(size);
  let at = out.write('[', 0, 'latin1');
  for (const l of ordered) {
    if (Number.isFinite(l.cost)) cumulative += l.cost;
    at += out.write(`${at > 1 ? ',' : ''}{"index":${index++},`, at, 'latin1');
    at += bytes.copy(out, at, l.headFrom, l.headTo);
    at += out.write(`,"cumulative_cost_usd":${jsonNumber(Math.round(cumulative * 1e10) / 1e10)},`, at, 'latin1');
    at += bytes.copy(out, at, l.tailFrom, l.tailTo);
    at += out.write('}', at, 'latin1');
  }
  at += out.write(']', at, 'latin1');
  return {
    stepsJson: out.subarray(0, at),
    count: ordered.length,
    next_cursor:
      more && lastInSqlOrder
        ? encodeCursor('steps', {
            s: lastInSqlOrder.start_ns,
            // The id was read as latin1 for comparing; the cursor carries the id itself.
            id: JSON.parse(Buffer.from(lastInSqlOrder.span_id, 'latin1').toString('utf8')) as string,
            c: cumulative,
            i: index,
          })
        : null,
  };
}
