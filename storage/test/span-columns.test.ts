import { rawSql } from '../src/testing.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SPAN_COLUMNS,
  SPAN_FIELD_COLUMNS,
  SPAN_SELECT,
  SPAN_TABLE,
  decodeSpanRow,
  emptySpanRow,
  type SpanColumnDef,
  type SpanRow,
} from '@cairn/schemas';
import { openTestStore } from '@cairn/testkit';
import type { Store } from '../src/index.js';

/*
 * The span row is defined once (`SPAN_TABLE` in @cairn/schemas): the migrated `spans` table must
 * hold exactly those columns with those types, and a row must survive the derived encoder and
 * reader unchanged.
 */

let store: Store;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ store, cleanup } = await openTestStore({}, 'cairn-span-columns-'));
});
afterAll(async () => {
  await cleanup();
});

interface SystemColumn {
  name: string;
  type: string;
  default_kind: string;
}

const defs = SPAN_TABLE as readonly SpanColumnDef[];
const serverKind = (c: SpanColumnDef): string => ('server' in c ? c.server : '');

describe('the spans table against its one definition', () => {
  it('every defined column exists with its type, and every column of spans is defined', async () => {
    const actual = await rawSql(store).query<SystemColumn>(
      `SELECT name, type, default_kind FROM system.columns
       WHERE database = currentDatabase() AND table = 'spans' ORDER BY position`,
    );
    expect(actual.length).toBeGreaterThan(0);
    // Same names in the same order, same types; MATERIALIZED / DEFAULT columns flagged as such.
    expect(actual.map((c) => ({ name: c.name, type: c.type, kind: c.default_kind }))).toEqual(
      defs.map((c) => ({ name: c.name, type: c.type, kind: serverKind(c) })),
    );
  });

  it('inserts exactly the columns ClickHouse does not fill itself, in table order', async () => {
    const actual = await rawSql(store).query<SystemColumn>(
      `SELECT name, type, default_kind FROM system.columns
       WHERE database = currentDatabase() AND table = 'spans' AND default_kind = '' ORDER BY position`,
    );
    expect([...SPAN_COLUMNS]).toEqual(actual.map((c) => c.name));
  });

  it('a row with every field set reads back equal through the derived encoder and reader', async () => {
    // A value unlike the blank one for every field, made from the definition alone, so a column
    // added later is covered without touching this test.
    const row = emptySpanRow() as unknown as Record<string, unknown>;
    SPAN_FIELD_COLUMNS.forEach((c, i) => {
      const blank = c.codec.blank;
      row[c.field] =
        typeof blank === 'bigint'
          ? 1_700_000_000_123_456_789n + BigInt(i) * 1_000_000_007n
          : typeof blank === 'number'
            ? i + 1
            : typeof blank === 'boolean'
              ? true
              : blank === null
                ? 0.5
                : `${c.field}-${i}\n"q"`;
    });
    row.project_id = 'cols';
    row.state = '{"x":1}';
    const blankRow = emptySpanRow();
    for (const k of Object.keys(blankRow) as (keyof typeof blankRow)[]) expect(row[k], k).not.toEqual(blankRow[k]);

    await store.insertSpans([row as unknown as SpanRow]);
    const raw = await rawSql(store).query<Record<string, unknown>>(
      `SELECT ${SPAN_SELECT}, duration_ns, has_state FROM spans WHERE project_id = 'cols'`,
    );
    expect(raw).toHaveLength(1);
    expect(decodeSpanRow(raw[0]!)).toEqual(row);
    expect(String(raw[0]!.duration_ns)).toBe(((row.end_time_ns as bigint) - (row.start_time_ns as bigint)).toString());
    expect(Number(raw[0]!.has_state)).toBe(1);
  });
});
