import { rawSql } from '../src/testing.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpanRow } from '@cairn/schemas';
import { encodeTimeNs, openStore, type Store } from '../src/index.js';
import { makeSpanRow, tempDataDir, testStoreConfig } from '@cairn/testkit';

const tmp = tempDataDir();
let store: Store;
beforeAll(async () => {
  store = await openStore(testStoreConfig(tmp.dir));
});
afterAll(async () => {
  await store.close();
  tmp.cleanup();
});

const row = (spanId: string, start: bigint, end: bigint): SpanRow =>
  makeSpanRow({
    project_id: 'enc',
    session_id: 's',
    trace_id: 't'.repeat(32),
    span_id: spanId,
    start_time_ns: start,
    end_time_ns: end,
  });

describe('encodeTimeNs', () => {
  it('is one fixed width: 10-digit seconds, 9-digit nanoseconds', () => {
    expect(encodeTimeNs(1n)).toBe('0000000000.000000001');
    expect(encodeTimeNs(1_577_593_563_327n)).toBe('0000001577.593563327');
    expect(encodeTimeNs(9_223_372_036_854_775_807n)).toBe('9223372036.854775807');
  });

  it('every count of digits, 1 to 19, is stored as exactly that nanosecond', async () => {
    const times: bigint[] = [];
    for (let digits = 1; digits <= 19; digits++)
      times.push(
        BigInt('7'.repeat(digits)) > 9_223_372_036_854_775_807n ? 9_223_372_036_854_775_807n : BigInt('7'.repeat(digits)),
      );
    times.push(1n, 999_999_999n, 1_000_000_000n, 946_684_800_000_000_000n);
    await store.insertSpans(times.map((t, i) => row(`e${i}`, t, t)));
    const got = await rawSql(store).query<{ span_id: string; ns: string }>(
      "SELECT span_id, toString(toUnixTimestamp64Nano(start_time)) AS ns FROM spans WHERE project_id = 'enc'",
    );
    const byId = new Map(got.map((r) => [r.span_id, r.ns]));
    times.forEach((t, i) => expect(byId.get(`e${i}`), String(t)).toBe(t.toString()));
  });
});
