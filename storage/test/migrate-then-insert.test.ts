import { rawSql } from '../src/testing.js';
import { describe, expect, it } from 'vitest';
import { openStore } from '../src/index.js';
import { makeSpanRow, tempDataDir, testStoreConfig } from '@cairn/testkit';

describe('a store that has just migrated', () => {
  it('stores every later insert that carries no deduplication token', async () => {
    // A migration's per-insert settings once leaked into the chDB session of the write
    // connection (the client sends them as SET), so every token-less insert after the first
    // was dropped as a duplicate.
    const dir = tempDataDir('cairn-migrate-fresh-');
    const store = await openStore(testStoreConfig(dir.dir));
    try {
      const rows = (prefix: string) =>
        [0, 1].map((i) => makeSpanRow({ session_id: 'fresh', span_id: `${prefix}${i}`.padEnd(16, '0') }));
      await store.insertSpans(rows('a'));
      await store.insertSpans(rows('b'));
      await store.insertSpans(rows('c'));
      const [r] = await rawSql(store).query<{ n: number }>("SELECT count() AS n FROM spans WHERE session_id = 'fresh'");
      expect(Number(r?.n)).toBe(6);
    } finally {
      await store.close();
      dir.cleanup();
    }
  });
});
