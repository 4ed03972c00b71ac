import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPAN_COLUMNS, SPAN_SELECT, SPAN_TABLE, decodeSpanRow, emptySpanRow, type SpanColumnDef } from '@cairn/schemas';
import { makeSpanRow, openTestStore } from '@cairn/testkit';
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
    const actual = await store.query<SystemColumn>(
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
    const actual = await store.query<SystemColumn>(
      `SELECT name, type, default_kind FROM system.columns
       WHERE database = currentDatabase() AND table = 'spans' AND default_kind = '' ORDER BY position`,
    );
    expect([...SPAN_COLUMNS]).toEqual(actual.map((c) => c.name));
  });

  it('a row with every field set reads back equal through the derived encoder and reader', async () => {
    const row = makeSpanRow({
      project_id: 'cols',
      session_id: 's-cols',
      span_id: 'c'.repeat(16),
      trace_id: 'd'.repeat(32),
      parent_span_id: 'e'.repeat(16),
      name: 'chat',
      kind: 'llm',
      agent_name: 'agent',
      workflow: 'wf',
      user_id: 'u',
      service_name: 'svc',
      autonomy_level: 'hitl',
      start_time_ns: 1_700_000_000_123_456_789n,
      end_time_ns: 1_700_000_001_987_654_321n,
      status: 'error',
      status_message: 'boom',
      model: 'gpt-4o',
      provider: 'openai',
      input_tokens: 11,
      output_tokens: 12,
      cache_read_tokens: 3,
      cache_write_tokens: 4,
      reasoning_tokens: 5,
      cost_usd: 0.25,
      cost_source: 'provided',
      confidence: 0.5,
      tool_name: 'search',
      tool_call_key: 'k',
      input: 'in',
      output: 'out',
      state: '{"x":1}',
      has_escalation: true,
      has_limit_hit: true,
      attributes: '{"a":"b"}',
      resource_attributes: '{"r":1}',
      events: '[{"name":"e"}]',
    });
    // Every field differs from the blank row, so a column the encoder or reader dropped shows.
    const blank = emptySpanRow();
    for (const k of Object.keys(blank) as (keyof typeof blank)[]) expect(row[k], k).not.toEqual(blank[k]);

    await store.insertSpans([row]);
    const raw = await store.query<Record<string, unknown>>(
      `SELECT ${SPAN_SELECT}, duration_ns, has_state FROM spans WHERE project_id = 'cols'`,
    );
    expect(raw).toHaveLength(1);
    expect(decodeSpanRow(raw[0]!)).toEqual(row);
    expect(String(raw[0]!.duration_ns)).toBe((row.end_time_ns - row.start_time_ns).toString());
    expect(Number(raw[0]!.has_state)).toBe(1);
  });
});
