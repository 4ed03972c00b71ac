import { rawSql } from '../src/testing.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTR, type SpanRow } from '@cairn/schemas';
import { openStore, titlesOf, type Store, type StoreConfig } from '../src/index.js';
import { BASE_NS, makeSpanRow, MS, openTestStore } from '@cairn/testkit';

// Titles come from `session_titles` (migration 0008), kept by a view on `spans`. A store upgraded
// to 0008 already holds sessions: the migration's backfill must give them the titles the view
// would have, with the same precedence rules, and spans arriving after the upgrade must merge
// with the backfilled rows. The store here is made to predate 0008 honestly: its objects and its
// record are removed, spans are written with no view to see them, and the store is reopened,
// which runs the pending migration as any upgrade does.
const P = 'p-titles';
const OTHER = 'p-titles-other';
let first: Store;
let store: Store;
let config: StoreConfig;
let cleanup: () => Promise<void>;
let seq = 0;

const row = (session: string, at: number, over: Partial<SpanRow> = {}, project = P): SpanRow => {
  seq += 1;
  return makeSpanRow({
    project_id: project,
    session_id: session,
    span_id: seq.toString(16).padStart(16, '0'),
    parent_span_id: 'p'.repeat(16),
    kind: 'llm',
    name: 'chat',
    start_time_ns: BASE_NS + BigInt(at) * MS,
    end_time_ns: BASE_NS + BigInt(at + 1) * MS,
    ...over,
  });
};
const root = { parent_span_id: '' };
const titled = (t: string): Partial<SpanRow> => ({ attributes: JSON.stringify({ [ATTR.SESSION_TITLE]: t, other: 1 }) });

const before: SpanRow[] = [
  // The root's attribute wins over an earlier child's.
  row('root-attr-wins', 5, { ...root, kind: 'session', name: 'session a', ...titled('from the root') }),
  row('root-attr-wins', 1, titled('from an earlier child')),
  // No attribute on the root: the earliest span's attribute.
  row('earliest-attr', 1, { ...root, name: 'root a' }),
  row('earliest-attr', 9, titled('later child')),
  row('earliest-attr', 3, titled('earlier child')),
  // No attribute: a span without parent wins over an earlier `session` span that has one.
  row('parentless-root', 1, { kind: 'session', name: 'nested session span' }),
  row('parentless-root', 4, { ...root, kind: 'step', name: 'the real root' }),
  // No span without parent: the earliest `session` span.
  row('session-spans', 7, { kind: 'session', name: 'later session' }),
  row('session-spans', 2, { kind: 'session', name: 'earlier session' }),
  row('session-spans', 1, { name: 'not a root' }),
  // A blank attribute gives way to the root's name; a hostile length is cut.
  row('blank-attr', 1, { ...root, kind: 'session', name: 'session nightly', ...titled('   ') }),
  row('long', 1, { ...root, name: 'r', ...titled('é'.repeat(5000)) }),
  // Children only: no title yet (its root arrives after the upgrade).
  row('late-root', 3, { name: 'child' }),
  // A child's attribute, no root yet (a root with its own attribute arrives after the upgrade).
  row('child-then-root', 1, titled('child title')),
  // Same id in another project, another title.
  row('root-attr-wins', 1, { ...root, name: 'other', ...titled('other project') }, OTHER),
];

const expected = {
  'root-attr-wins': 'from the root',
  'earliest-attr': 'earlier child',
  'parentless-root': 'the real root',
  'session-spans': 'earlier session',
  'blank-attr': 'session nightly',
  long: 'é'.repeat(200),
  'child-then-root': 'child title',
};
const ids = [...Object.keys(expected), 'late-root', 'missing'];

beforeAll(async () => {
  ({ store: first, config, cleanup } = await openTestStore({}, 'cairn-titles-'));
  const on = config.cluster ? ` ON CLUSTER ${config.cluster}` : '';
  const sql = rawSql(first);
  await sql.command(`DROP VIEW session_titles_mv${on} SYNC`);
  await sql.command(`DROP TABLE session_titles${on} SYNC`);
  if (config.cluster) await sql.command(`DROP TABLE session_titles_local${on} SYNC`);
  await sql.command(
    `ALTER TABLE cairn_migrations${config.cluster ? '_local' : ''}${on} DELETE WHERE version = 8 SETTINGS mutations_sync = 2`,
  );
  // Written twice, as a retry would: titles must not change.
  await first.insertSpans(before);
  await first.insertSpans(before);
  await first.close();
  store = await openStore(config); // the upgrade: runs 0008, backfill included
});

afterAll(async () => {
  await store?.close();
  await cleanup?.();
});

describe('session titles after an upgrade to 0008', () => {
  it('the upgrade ran 0008 on a store that had none of it', async () => {
    const [m] = await rawSql(store).query<{ n: number }>(
      'SELECT count(DISTINCT version) AS n FROM cairn_migrations WHERE version = 8',
    );
    expect(Number(m!.n)).toBe(1);
  });

  it('the backfill gives old sessions their titles, by the precedence rules', async () => {
    const t = await titlesOf(store, P, ids);
    expect(Object.fromEntries(t)).toEqual(expected);
    expect((await titlesOf(store, OTHER, ['root-attr-wins'])).get('root-attr-wins')).toBe('other project');
  });

  it('spans written after the upgrade merge with the backfilled titles', async () => {
    await store.insertSpans([
      row('late-root', 9, { ...root, kind: 'session', name: 'session late' }),
      // A later child's attribute does not displace the backfilled earliest one …
      row('earliest-attr', 20, titled('too late')),
      // … a root's attribute displaces a backfilled child's, though it starts later …
      row('child-then-root', 5, { ...root, kind: 'session', name: 'session x', ...titled('root title') }),
      // … and an earlier session span displaces a backfilled later one.
      row('session-spans', 0, { kind: 'session', name: 'earliest session now' }),
    ]);
    const t = await titlesOf(store, P, ids);
    expect(Object.fromEntries(t)).toEqual({
      ...expected,
      'late-root': 'session late',
      'child-then-root': 'root title',
      'session-spans': 'earliest session now',
    });
    expect((await titlesOf(store, OTHER, ['root-attr-wins'])).get('root-attr-wins')).toBe('other project');
  });
});
