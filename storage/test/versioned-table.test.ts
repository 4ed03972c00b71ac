import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore } from '@cairn/testkit';
import type { Store } from '../src/index.js';
import { nextVersion, versionedTable } from '../src/versioned-table.js';

let store: Store;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
});
afterAll(async () => cleanup());

// The webhooks table (migration 0004) through the helper alone, with a record of our own shape.
interface Hook {
  project_id: string;
  id: string;
  name: string;
  created_ms: number;
}
type HookRow = { project_id: string; webhook_id: string; name: string; created_at: string };
const hooks = versionedTable<HookRow, Hook>({
  table: 'webhooks',
  key: 'webhook_id',
  columns: 'project_id, webhook_id, name, toString(created_at) AS created_at',
  fromRow: (r) => ({
    project_id: r.project_id,
    id: r.webhook_id,
    name: r.name,
    created_ms: Date.parse(r.created_at.replace(' ', 'T') + 'Z'),
  }),
  toRow: (h) => ({
    project_id: h.project_id,
    webhook_id: h.id,
    name: h.name,
    url: 'https://example.com/hook',
    secret: 's',
    format: 'json',
    enabled: 1,
    created_at: new Date(h.created_ms).toISOString().replace('T', ' ').replace('Z', ''),
  }),
});
const T0 = Date.parse('2026-11-01T00:00:00Z');
const hook = (project_id: string, id: string, name: string, created_ms: number): Hook => ({ project_id, id, name, created_ms });

describe('versionedTable', () => {
  it('versions increase within a process, even many in one millisecond', () => {
    const vs = Array.from({ length: 5000 }, () => nextVersion());
    for (let i = 1; i < vs.length; i++) expect(vs[i]!).toBeGreaterThan(vs[i - 1]!);
  });

  it('lists live rows per project (or all) in creation order; the latest write of a key wins', async () => {
    await hooks.save(store, hook('p1', 'b', 'second', T0 + 1000));
    await hooks.save(store, hook('p1', 'a', 'first', T0));
    await hooks.save(store, hook('p2', 'c', 'other', T0));
    // Changed twice back to back: the last change wins although both share a millisecond.
    await hooks.save(store, hook('p1', 'a', 'renamed', T0));
    await hooks.save(store, hook('p1', 'a', 'renamed again', T0));
    expect((await hooks.list(store, 'p1')).map((h) => [h.id, h.name])).toEqual([
      ['a', 'renamed again'],
      ['b', 'second'],
    ]);
    expect((await hooks.list(store)).map((h) => `${h.project_id}/${h.id}`)).toEqual(['p1/a', 'p1/b', 'p2/c']);
    expect(await hooks.get(store, 'p1', 'a')).toEqual(hook('p1', 'a', 'renamed again', T0));
    // A key is found only in its own project.
    expect(await hooks.get(store, 'p2', 'a')).toBeUndefined();
  });

  it('a delete hides the row from list and get; byIds still finds it, flagged', async () => {
    const b = await hooks.get(store, 'p1', 'b');
    await hooks.delete(store, b!);
    expect((await hooks.list(store, 'p1')).map((h) => h.id)).toEqual(['a']);
    expect(await hooks.get(store, 'p1', 'b')).toBeUndefined();
    const byId = await hooks.byIds(store, ['b', 'c', 'b', 'missing']);
    expect(byId.map((r) => [r.record.id, r.deleted]).sort()).toEqual([
      ['b', true],
      ['c', false],
    ]);
    expect(await hooks.byIds(store, [])).toEqual([]);
    // Saved again after a delete: live again.
    await hooks.save(store, b!);
    expect((await hooks.list(store, 'p1')).map((h) => h.id)).toEqual(['a', 'b']);
  });
});
