import { describe, expect, it } from 'vitest';
import { SPAN_INSERT_COLUMNS, type SpanRow } from '@cairn/schemas';
import { makeSpanRow } from '@cairn/testkit';
import { encodeSpanRowsBinary, selectBinaryRows } from '../src/index.js';

/** Rows covering every column type's edge: long and non-ASCII text, NUL, nulls, old times. */
function rows(): SpanRow[] {
  return [
    makeSpanRow({
      session_id: 's-1',
      span_id: 'a'.repeat(16),
      name: 'chat',
      kind: 'llm',
      start_time_ns: 1_700_000_000_123_456_789n,
      end_time_ns: 1_700_000_001_000_000_000n,
      input_tokens: 2 ** 40 + 7,
      output_tokens: 150,
      cost_usd: 0.0123,
      confidence: 0.25,
      has_escalation: true,
      input: 'ü'.repeat(70) + '😀\n\t\0"\\' + 'x'.repeat(20_000),
      output: 'ascii under 43 units',
    }),
    makeSpanRow({
      session_id: 's-1',
      span_id: 'b'.repeat(16),
      // 42 units of 3-byte characters: the longest string written with a one-byte length.
      name: '€'.repeat(42),
      start_time_ns: 1_000_000n,
      end_time_ns: 500n, // ends before it starts: duration 0
      confidence: null,
    }),
    makeSpanRow({ session_id: 's-2', span_id: 'c'.repeat(16), name: '€'.repeat(43) }),
  ];
}

/**
 * Reads a RowBinary body back by ClickHouse's layout (an independent reader: LEB128 string
 * lengths, little-endian numbers, a null flag before a Nullable), column by column.
 */
function readRows(body: Buffer, n: number): Record<string, unknown>[] {
  let o = 0;
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const row: Record<string, unknown> = {};
    for (const c of SPAN_INSERT_COLUMNS) {
      switch (c.type) {
        case 'String':
        case 'LowCardinality(String)': {
          let len = 0;
          for (let shift = 0; ; shift += 7) {
            const byte = body[o++]!;
            len |= (byte & 0x7f) << shift;
            if (byte < 0x80) break;
          }
          row[c.name] = body.toString('utf8', o, o + len);
          o += len;
          break;
        }
        case 'UInt64':
          row[c.name] = body.readBigUInt64LE(o);
          o += 8;
          break;
        case "DateTime64(9, 'UTC')":
          row[c.name] = body.readBigInt64LE(o);
          o += 8;
          break;
        case 'Float64':
          row[c.name] = body.readDoubleLE(o);
          o += 8;
          break;
        case 'Nullable(Float64)':
          row[c.name] = body[o++] ? null : body.readDoubleLE(o);
          if (row[c.name] !== null) o += 8;
          break;
        case 'UInt8':
          row[c.name] = body[o++];
          break;
        default:
          throw new Error(`no reader for ${c.type}`);
      }
    }
    out.push(row);
  }
  expect(o).toBe(body.length);
  return out;
}

describe('RowBinary span encoding', () => {
  it('writes every column in insert order, in ClickHouse’s binary layout', () => {
    const input = rows();
    const { body, offsets } = encodeSpanRowsBinary(input);
    expect(offsets).toHaveLength(4);
    expect(offsets[0]).toBe(0);
    expect(offsets[3]).toBe(body.length);
    const got = readRows(body, 3);
    got.forEach((g, i) => {
      const r = input[i]!;
      expect(g.start_time).toBe(r.start_time_ns);
      expect(g.end_time).toBe(r.end_time_ns);
      expect(g.duration_ns).toBe(r.end_time_ns > r.start_time_ns ? r.end_time_ns - r.start_time_ns : 0n);
      expect(g.input_tokens).toBe(BigInt(r.input_tokens));
      expect(g.has_escalation).toBe(r.has_escalation ? 1 : 0);
      expect(g.confidence).toBe(r.confidence);
      for (const f of ['session_id', 'span_id', 'name', 'input', 'output', 'attributes', 'events'] as const) {
        expect(g[f]).toBe(r[f]);
      }
      expect(g.cost_usd).toBe(r.cost_usd);
      // Each row starts where its offset says.
      expect(readRows(body.subarray(offsets[i]!, offsets[i + 1]!), 1)[0]).toEqual(g);
    });
    expect(got[0]!.duration_ns).toBe(876_543_211n);
    expect(got[1]!.duration_ns).toBe(0n);
  });

  it('selects rows by index with their new offsets (dedup of a request)', () => {
    const all = encodeSpanRowsBinary(rows());
    const kept = selectBinaryRows(all, Uint8Array.from([1, 0, 1]));
    const first = all.offsets[1]!;
    expect(Array.from(kept.offsets)).toEqual([0, first, first + all.offsets[3]! - all.offsets[2]!]);
    expect(readRows(kept.body, 2).map((r) => r.span_id)).toEqual(['a'.repeat(16), 'c'.repeat(16)]);
  });
});
