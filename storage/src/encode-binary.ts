import { SPAN_INSERT_COLUMNS, type SpanRow } from '@cairn/schemas';

/**
 * Spans as ClickHouse `RowBinary`: each column's value in its binary layout, no separators and
 * no quoting. chDB parses it at about half the CPU per span of JSONCompactEachRow (measured on
 * the bench's GenAI spans, into a Null table: BENCHMARKS.md, "Where ingest time goes"), because
 * there is nothing to tokenize, unescape or convert: strings are a length and their bytes,
 * times and counts little-endian integers.
 *
 * A body has no row delimiter a reader could find (any byte may occur in a string), so the
 * encoder also returns where each row starts: `offsets[i]` is the first byte of row i and
 * `offsets[rows]` the body's length. Selecting rows (dedup) and halving a batch (a refused
 * insert) go by these offsets instead of by newlines.
 */
export interface BinarySpanRows {
  body: Buffer;
  /** rows + 1 entries: row i is `body.subarray(offsets[i], offsets[i + 1])`. */
  offsets: Uint32Array;
}

export const SPAN_BINARY_FORMAT = 'RowBinary';

/** Writes one row at `o` of `b` (which has room for it, see `roomFor`) and returns the end. */
type RowWriter = (b: Buffer, o: number, r: SpanRow) => number;
/** An upper bound of the bytes one row takes. */
type RowRoom = (r: SpanRow) => number;

const TWO32 = 2 ** 32;

/**
 * Writes a string as ClickHouse does: its UTF-8 length as a LEB128 varint, then the bytes.
 * A string of under 43 UTF-16 units takes under 128 bytes whatever its characters, so the
 * one-byte length is written after the bytes; a longer one is measured first.
 */
function writeString(b: Buffer, o: number, s: string): number {
  if (s.length < 43) {
    const n = b.write(s, o + 1);
    b[o] = n;
    return o + 1 + n;
  }
  let n = Buffer.byteLength(s, 'utf8');
  const end = o + varintSize(n) + n;
  while (n >= 0x80) {
    b[o++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  b[o++] = n;
  b.write(s, o);
  return end;
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n >>>= 7;
    size++;
  }
  return size;
}

/** UInt64 from a JS number (Cairn's counts stay far below 2^53) or a decimal string. */
function writeUInt64(b: Buffer, o: number, v: number | string | bigint): number {
  if (typeof v === 'number') {
    b.writeUInt32LE((v % TWO32) >>> 0, o);
    b.writeUInt32LE(Math.floor(v / TWO32) >>> 0, o + 4);
    return o + 8;
  }
  return b.writeBigUInt64LE(BigInt(v), o);
}

/** DateTime64(9): nanoseconds since the epoch as Int64 (the row keeps them as bigint). */
function writeTime(b: Buffer, o: number, ns: bigint): number {
  return b.writeBigInt64LE(ns, o);
}

function writeFloat(b: Buffer, o: number, v: number): number {
  return b.writeDoubleLE(v, o);
}

/** Nullable(Float64): a null flag byte, then the value when not null. */
function writeNullableFloat(b: Buffer, o: number, v: number | null): number {
  if (v === null) {
    b[o] = 1;
    return o + 1;
  }
  b[o] = 0;
  return b.writeDoubleLE(v, o + 1);
}

function writeUInt8(b: Buffer, o: number, v: number): number {
  b[o] = v;
  return o + 1;
}

const isString = (type: string): boolean => type === 'String' || type === 'LowCardinality(String)';

/** The writer of a column type, and its fixed size (strings: 0, counted from their length). */
function writerFor(type: string): { fn: (b: Buffer, o: number, v: never) => number; size: number } {
  if (isString(type)) return { fn: writeString, size: 0 };
  switch (type) {
    case 'UInt64':
      return { fn: writeUInt64, size: 8 };
    case "DateTime64(9, 'UTC')":
      return { fn: writeTime, size: 8 };
    case 'Float64':
      return { fn: writeFloat, size: 8 };
    case 'Nullable(Float64)':
      return { fn: writeNullableFloat, size: 9 };
    case 'UInt8':
      return { fn: writeUInt8, size: 1 };
    default:
      // A new column type needs its writer here: failing at load, not on the first insert.
      throw new Error(`RowBinary: no writer for column type ${type}`);
  }
}

/**
 * Generated from `SPAN_TABLE` once, at load, like the JSON line encoder: one statement per
 * column, reading the field and calling the type's writer. Times are written from the row's
 * bigint (the JSON codec's decimal text is for text formats only); other fields go through the
 * column's codec where it transforms the value (flags), and derived columns through `derive`.
 */
const { writeRow, roomFor } = compileBinaryEncoder();

function compileBinaryEncoder(): { writeRow: RowWriter; roomFor: RowRoom } {
  const fns: unknown[] = [];
  const ref = (f: unknown): string => `f[${fns.push(f) - 1}]`;
  const steps: string[] = [];
  let fixed = 0;
  const strings: string[] = [];
  for (const c of SPAN_INSERT_COLUMNS) {
    const w = writerFor(c.type);
    fixed += w.size;
    let value: string;
    if ('derive' in c) value = `${ref(c.derive)}(r)`;
    else {
      const read = `r[${JSON.stringify(c.field)}]`;
      value = c.type.startsWith('DateTime64') || c.codec.passThrough ? read : `${ref(c.codec.encode)}(${read})`;
      // A string takes at most 3 bytes per UTF-16 unit, plus a length of up to 5 bytes.
      if (isString(c.type)) strings.push(`${read}.length * 3 + 5`);
    }
    steps.push(`o = ${ref(w.fn)}(b, o, ${value});`);
  }
  // The source is built from the constant column table only, never from data.
  const make = new Function(
    'f',
    `return {
      writeRow: function writeSpanRowBinary(b, o, r) { ${steps.join(' ')} return o; },
      roomFor: function spanRowRoom(r) { return ${fixed} + ${strings.join(' + ')}; },
    };`,
  );
  return make(fns) as { writeRow: RowWriter; roomFor: RowRoom };
}

/** Bytes of scratch kept between calls (a request of ~1,000 spans fits). */
const MAX_KEPT_SCRATCH = 16 * 1024 * 1024;
let scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * Encodes rows as one RowBinary body (in `SPAN_COLUMNS` order) with each row's offset, in one
 * synchronous pass into a scratch buffer kept between calls; the used part is copied out once
 * into a buffer that owns its memory (so it can be moved to another thread).
 */
export function encodeSpanRowsBinary(rows: readonly SpanRow[]): BinarySpanRows {
  const offsets = new Uint32Array(rows.length + 1);
  let b = scratch;
  let o = 0;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const room = roomFor(r);
    if (b.length - o < room) {
      const bigger = Buffer.allocUnsafe(Math.max(b.length * 2, o + room));
      b.copy(bigger, 0, 0, o);
      b = bigger;
    }
    offsets[i] = o;
    o = writeRow(b, o, r);
  }
  offsets[rows.length] = o;
  if (b.length <= MAX_KEPT_SCRATCH) scratch = b;
  const body = Buffer.allocUnsafeSlow(o);
  b.copy(body, 0, 0, o);
  return { body, offsets };
}

/** The rows of `rows` whose index has a non-zero `keep` entry, with their new offsets. */
export function selectBinaryRows(rows: BinarySpanRows, keep: Uint8Array): BinarySpanRows {
  const { body, offsets } = rows;
  const n = offsets.length - 1;
  const parts: Buffer[] = [];
  const out: number[] = [0];
  let size = 0;
  for (let i = 0; i < n; i++) {
    if (!keep[i]) continue;
    const part = body.subarray(offsets[i]!, offsets[i + 1]!);
    parts.push(part);
    size += part.length;
    out.push(size);
  }
  return { body: Buffer.concat(parts, size), offsets: Uint32Array.from(out) };
}
