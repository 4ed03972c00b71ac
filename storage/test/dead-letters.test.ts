import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertDeadLetters, listDeadLetters, markRedriven, openStore, type NewDeadLetter, type Store } from '../src/index.js';
import { tempDataDir, testStoreConfig } from '@cairn/testkit';

const tmp = tempDataDir();
let store: Store;
beforeAll(async () => {
  store = await openStore(testStoreConfig(tmp.dir));
});
afterAll(async () => {
  await store.close();
  tmp.cleanup();
});

const T0 = Date.parse('2026-11-01T00:00:00Z');
const letter = (project: string, i: number, reason = 'Code: 41. DB::Exception: Cannot parse DateTime'): NewDeadLetter => ({
  project_id: project,
  dead_letter_id: `id-${i}`,
  received_ms: T0 + i * 1000,
  reason,
  error_code: Number(/Code: (\d+)/.exec(reason)?.[1] ?? 0),
  trace_id: 't'.repeat(32),
  span_id: String(i).padStart(16, '0'),
  // Big, unicode, quotes and newlines: the line comes back byte for byte.
  line: `["${project}","s\\n\\"q\\"","é🚀",${'x'.repeat(i * 1000)}]`,
});

describe('dead letters table', () => {
  it('keeps each letter once (a replayed batch adds no copy), lists newest first per project, filters', async () => {
    await insertDeadLetters(store, [
      letter('p1', 1),
      letter('p1', 2),
      letter('p1', 3, 'Code: 407. DB::Exception: Decimal math overflow'),
      letter('p2', 1),
    ]);
    await insertDeadLetters(store, [letter('p1', 1)]);
    const all = await listDeadLetters(store, { projectId: 'p1', limit: 10 });
    expect(all.map((d) => d.dead_letter_id)).toEqual(['id-3', 'id-2', 'id-1']);
    expect(all[2]).toEqual({ ...letter('p1', 1), redriven_ms: null });
    expect(
      (await listDeadLetters(store, { projectId: 'p1', limit: 10, reason: 'decimal' })).map((d) => d.dead_letter_id),
    ).toEqual(['id-3']);
    expect(
      (await listDeadLetters(store, { projectId: 'p1', limit: 10, fromMs: T0 + 2000, toMs: T0 + 3000 })).map(
        (d) => d.dead_letter_id,
      ),
    ).toEqual(['id-2']);
    expect((await listDeadLetters(store, { projectId: 'p1', limit: 10, before: { ms: T0 + 3000, id: 'id-3' } })).length).toBe(2);
    expect((await listDeadLetters(store, { projectId: 'p1', limit: 10, oldestFirst: true }))[0]!.dead_letter_id).toBe('id-1');
    expect((await listDeadLetters(store, { projectId: 'p2', limit: 10 })).map((d) => d.dead_letter_id)).toEqual(['id-1']);
  });

  it('marks letters re-driven (a new version): pending lists leave them out', async () => {
    const [one] = await listDeadLetters(store, { projectId: 'p1', limit: 1, ids: ['id-2'] });
    await markRedriven(store, [one!], T0 + 99_000);
    const pending = await listDeadLetters(store, { projectId: 'p1', limit: 10, pendingOnly: true });
    expect(pending.map((d) => d.dead_letter_id)).toEqual(['id-3', 'id-1']);
    const [marked] = await listDeadLetters(store, { projectId: 'p1', limit: 10, ids: ['id-2'] });
    expect(marked).toEqual({ ...one, redriven_ms: T0 + 99_000 });
  });
});
