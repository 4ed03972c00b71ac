import { rawSql, type Store } from '../store.js';
import { chTime } from '../queries/time.js';

export interface ClaimOptions {
  owner: string;
  /** How long to wait between writing claims and reading them back. */
  settleMs: number;
  /** How long a claim holds: past it, another engine may take the work over. */
  leaseMs: number;
  nowMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Claims units of work among engines sharing a store. Every engine writes a claim row (server
 * time `now64(6)`), waits `settleMs`, then reads back every live claim of those keys: the earliest
 * (claimed_at, owner) wins, and every engine computes the same winner from the same rows.
 *
 * Guarantee: on one ClickHouse server (or embedded chDB), an insert is visible to reads once it
 * is acknowledged, so two engines that both read after both inserted agree; an engine that read
 * before the other inserted saw only itself, but the other's later claim then carries a later
 * server time and loses. What could break it: an insert that takes longer than `settleMs` to
 * become visible (replication lag on a cluster: read from the replica written to, or raise
 * `settleMs`), or a winner that stalls past `leaseMs` (its work may then be done twice —
 * receivers deduplicate on X-Cairn-Delivery).
 */
export async function claim(store: Store, keys: readonly string[], opts: ClaimOptions): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const expires = chTime(opts.nowMs + opts.leaseMs);
  await rawSql(store).insertRows(
    'engine_claims',
    keys.map((k) => ({ claim_key: k, owner: opts.owner, expires_at: expires })),
  );
  if (opts.settleMs > 0) await sleep(opts.settleMs);
  const rows = await rawSql(store).query<{ claim_key: string; winner: string }>(
    `SELECT claim_key, argMin(owner, (claimed_at, owner)) AS winner FROM engine_claims
     WHERE claim_key IN {keys:Array(String)} AND expires_at > toDateTime64({now:String}, 3, 'UTC')
     GROUP BY claim_key`,
    { keys: [...keys], now: chTime(opts.nowMs) },
  );
  return new Set(rows.filter((r) => r.winner === opts.owner).map((r) => r.claim_key));
}
