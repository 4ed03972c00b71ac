import { SPAN_INSERT_COLUMNS, type SpanRow } from '@cairn/schemas';

export { encodeTimeNs } from '@cairn/schemas';
// The RowBinary encoder, reachable from the same chDB-free entry point as the line encoder.
export { encodeSpanRowsBinary, selectBinaryRows, SPAN_BINARY_FORMAT, type BinarySpanRows } from './encode-binary.js';

export const SPAN_INSERT_FORMAT = 'JSONCompactEachRow';

/**
 * Settings every span insert needs. `basic` reads `<seconds>.<fraction>` as a Unix time
 * whatever the number of digits (`best_effort`, chDB's default, takes a short number for a
 * date: "1.000000001" is refused, "1" becomes this year's January 1st). Partitions are months:
 * a batch of spans spread over the years 1970–2262 may touch thousands of them.
 */
export const SPAN_INSERT_SETTINGS = {
  date_time_input_format: 'basic',
  max_partitions_per_insert_block: '4000',
} as const;

/** Rows per synchronous slice: small enough that one slice stays well under 10 ms. */
const SLICE_ROWS = 1000;

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * One span as a JSONCompactEachRow line (an array in `SPAN_COLUMNS` order): no key names, so
 * the body is smaller and both JSON.stringify and ClickHouse's parser do less work per row.
 *
 * The function is generated from `SPAN_TABLE` once, at load: an array literal reading each
 * field straight from the row, calling the column's encoder only where it transforms the value.
 * A loop calling one encoder per column took ~1.5x as long per row (measured on 1,000-row
 * requests), and this runs for every span ingested.
 */
export const encodeSpanRow: (r: SpanRow) => string = compileRowEncoder();

function compileRowEncoder(): (r: SpanRow) => string {
  const fns: ((v: never) => unknown)[] = [];
  const items = SPAN_INSERT_COLUMNS.map((c) => {
    if ('derive' in c) return `f[${fns.push(c.derive) - 1}](r)`;
    const read = `r[${JSON.stringify(c.field)}]`;
    return c.codec.passThrough ? read : `f[${fns.push(c.codec.encode) - 1}](${read})`;
  });
  // The source is built from the constant column table only, never from data.
  const make = new Function('f', `return function encodeSpanRow(r) { return JSON.stringify([${items.join(', ')}]); };`);
  return make(fns) as (r: SpanRow) => string;
}

/**
 * Encodes rows as one JSONCompactEachRow body, a slice at a time with a turn of the event loop
 * between slices: one `JSON.stringify` of a large batch blocks the loop for over a second.
 */
export async function encodeSpanRows(rows: readonly SpanRow[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let i = 0; i < rows.length; i += SLICE_ROWS) {
    if (i > 0) await yieldToLoop();
    const end = Math.min(rows.length, i + SLICE_ROWS);
    let text = '';
    for (let j = i; j < end; j++) text += encodeSpanRow(rows[j]!) + '\n';
    parts.push(Buffer.from(text, 'utf8'));
  }
  return Buffer.concat(parts);
}

/** Bytes of scratch kept between {@link encodeSpanLines} calls (a request of ~1,000 spans fits). */
const MAX_KEPT_SCRATCH = 16 * 1024 * 1024;
let lineScratch = Buffer.allocUnsafe(64 * 1024);

/**
 * Encodes one request's rows as insert lines in one synchronous pass (about 5 ms per 1,000
 * spans): the collector calls it per request — off the event loop in its worker — so the
 * batch writer only concatenates ready bodies and the native insert never waits for JS.
 */
export function encodeSpanLines(rows: readonly SpanRow[]): Buffer {
  // Each line is written as UTF-8 straight into a scratch buffer kept between calls, then the
  // used part is copied out once. Concatenating the lines into one string and encoding that
  // flattened a string the size of the whole body (twice the bytes as soon as one character
  // is outside Latin-1) on every request, which was a good part of the worker's garbage.
  let scratch = lineScratch;
  let used = 0;
  for (let i = 0; i < rows.length; i++) {
    const line = encodeSpanRow(rows[i]!);
    // UTF-8 takes at most 3 bytes per UTF-16 unit (a surrogate pair: 4 bytes for 2 units).
    const room = line.length * 3 + 1;
    if (scratch.length - used < room) {
      const bigger = Buffer.allocUnsafe(Math.max(scratch.length * 2, used + room));
      scratch.copy(bigger, 0, 0, used);
      scratch = bigger;
    }
    used += scratch.write(line, used, 'utf8');
    scratch[used++] = 10; // '\n'
  }
  // Keep a grown scratch for the next request unless it is unusually large.
  if (scratch.length <= MAX_KEPT_SCRATCH) lineScratch = scratch;
  return Buffer.from(scratch.subarray(0, used));
}

/**
 * The lines of `body` (from {@link encodeSpanLines}) whose index has a non-zero `keep` entry.
 * JSON escapes newlines inside strings, so every 0x0A byte ends exactly one row.
 */
export function selectSpanLines(body: Buffer, keep: Uint8Array): Buffer {
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; start < body.length; i++) {
    let end = body.indexOf(10, start);
    end = end < 0 ? body.length : end + 1;
    if (keep[i]) parts.push(body.subarray(start, end));
    start = end;
  }
  return Buffer.concat(parts);
}

/** Generic JSONEachRow encoder for small tables (config, alerts). */
export function encodeJsonRows(rows: readonly object[]): Buffer {
  return Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n') + '\n', 'utf8');
}
