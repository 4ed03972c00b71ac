import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPAN_SELECT, decodeSpanRow, type SpanRow } from '@cairn/schemas';
import { makeSpanRow, tempDataDir, testStoreConfig } from '@cairn/testkit';
import { binaryInsertPrefix } from '../src/connection.js';
import { encodeSpanLines, encodeSpanRowsBinary, openStore, selectBinaryRows, type Store } from '../src/index.js';

const tmp = tempDataDir();
let store: Store;

beforeAll(async () => {
  store = await openStore(testStoreConfig(tmp.dir));
});
afterAll(async () => {
  await store.close();
  tmp.cleanup();
});

/** Rows covering every column type's edge: long and non-ASCII text, NUL, nulls, old times. */
function rows(project: string): SpanRow[] {
  const long = 'ü'.repeat(70) + '😀\n\t\0"\\' + 'x'.repeat(20_000);
  return [
    makeSpanRow({
      project_id: project,
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
      input: long,
      output: 'ascii under 43 units',
      state: '{"k":"\u2028"}',
      attributes: '{"a":1}',
    }),
    makeSpanRow({
      project_id: project,
      session_id: 's-1',
      span_id: 'b'.repeat(16),
      // 42 units of 3-byte characters: the longest string written with a one-byte length.
      name: '€'.repeat(42),
      start_time_ns: 1_000_000n, // 1970, far before 2001: no digit count to misread
      end_time_ns: 500n, // ends before it starts: duration 0
      confidence: null,
    }),
    makeSpanRow({ project_id: project, session_id: 's-2', span_id: 'c'.repeat(16), name: '€'.repeat(43) }),
  ];
}

async function readBack(project: string): Promise<SpanRow[]> {
  const got = await store.query<Record<string, unknown>>(
    `SELECT ${SPAN_SELECT} FROM spans WHERE project_id = {p:String} ORDER BY span_id`,
    { p: project },
  );
  return got.map(decodeSpanRow);
}

describe('RowBinary span inserts', () => {
  it('read back exactly as the same rows inserted as JSON lines, durations included', async () => {
    await store.insertSpanLines(encodeSpanLines(rows('json')), { dedupToken: 'bin-json' });
    const { body, offsets } = encodeSpanRowsBinary(rows('bin'));
    expect(offsets).toHaveLength(4);
    expect(offsets[3]).toBe(body.length);
    await store.insertSpanRowBinary(body, { dedupToken: 'bin-bin' });
    const viaJson = await readBack('json');
    const viaBinary = await readBack('bin');
    expect(viaBinary).toHaveLength(3);
    expect(viaBinary).toEqual(viaJson.map((r) => ({ ...r, project_id: 'bin' })));
    expect(viaBinary).toEqual(rows('bin'));
    const durations = async (p: string): Promise<number[]> =>
      (
        await store.query<{ d: number }>('SELECT duration_ns AS d FROM spans WHERE project_id = {p:String} ORDER BY span_id', {
          p,
        })
      ).map((r) => Number(r.d));
    const expected = rows('bin').map((r) => Math.max(0, Number(r.end_time_ns - r.start_time_ns)));
    expect(expected.slice(0, 2)).toEqual([876_543_211, 0]);
    expect(await durations('bin')).toEqual(expected);
    expect(await durations('json')).toEqual(expected);
  });

  it('dedups a re-sent body by its token, in spans and the session rollup', async () => {
    const { body } = encodeSpanRowsBinary(rows('dup'));
    await store.insertSpanRowBinary(body, { dedupToken: 'bin-dup' });
    await store.insertSpanRowBinary(body, { dedupToken: 'bin-dup' });
    const [{ n }] = await store.query<{ n: number }>("SELECT count() AS n FROM spans WHERE project_id = 'dup'");
    expect(Number(n)).toBe(3);
    const [{ spans }] = await store.query<{ spans: number }>(
      "SELECT sum(spans) AS spans FROM sessions_rollup WHERE project_id = 'dup'",
    );
    expect(Number(spans)).toBe(3);
  });

  it('selects rows by index with their offsets (dedup of a request)', async () => {
    const all = encodeSpanRowsBinary(rows('sel'));
    const kept = selectBinaryRows(all, Uint8Array.from([1, 0, 1]));
    expect(Array.from(kept.offsets)).toEqual([0, all.offsets[1]!, all.offsets[1]! + all.offsets[3]! - all.offsets[2]!]);
    await store.insertSpanRowBinary(kept.body, { dedupToken: 'bin-sel' });
    expect((await readBack('sel')).map((r) => r.span_id)).toEqual(['a'.repeat(16), 'c'.repeat(16)]);
  });

  it('builds the insert prefix from checked names and quoted setting values', () => {
    expect(binaryInsertPrefix('spans', ['a', 'b'], { insert_deduplication_token: "x'\\y", insert_deduplicate: 1 })).toBe(
      "INSERT INTO spans (a, b) SETTINGS insert_deduplication_token='x\\'\\\\y', insert_deduplicate=1 FORMAT RowBinary",
    );
    expect(() => binaryInsertPrefix('spans; DROP TABLE x', ['a'])).toThrow(/identifier/);
    expect(() => binaryInsertPrefix('spans', ['a', 'b)'])).toThrow(/identifier/);
  });
});
