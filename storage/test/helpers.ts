import type { StoreConfig } from '../src/index.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temporary directory for an embedded store; removed by the returned function. */
export function tempDataDir(prefix = 'cairn-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The store a test opens: embedded chDB in `dir`, or — when CLICKHOUSE_URL is set — a ClickHouse
 * server (DESIGN §5: server mode runs the same SQL; point CLICKHOUSE_DATABASE at an empty database).
 */
export function testStoreConfig(dir: string): StoreConfig {
  const env = process.env;
  return {
    dataDir: dir,
    clickhouseUrl: env.CLICKHOUSE_URL || undefined,
    clickhouseUser: env.CLICKHOUSE_USER || undefined,
    clickhousePassword: env.CLICKHOUSE_PASSWORD || undefined,
    clickhouseDatabase: env.CLICKHOUSE_DATABASE || undefined,
  };
}

/** mulberry32: a small seeded generator, so generated corpora and fuzz cases are the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
