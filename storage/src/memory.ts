import { rawSql, type Store } from './store.js';

/**
 * The bytes ClickHouse's own allocator tracks (`system.metrics` MemoryTracking): with the
 * embedded store this is chDB's share of the Cairn process (parts being written, merges, caches),
 * on a server the server's. Reported beside the process's own figures on `/metrics` so that an
 * operator can tell what in a large RSS is ClickHouse, what is the JS heap, and what is neither
 * (allocator arenas holding freed memory). Null when the store does not report it.
 */
export async function trackedMemoryBytes(store: Store): Promise<number | null> {
  const rows = await rawSql(store).query<{ value: string | number }>(
    "SELECT value FROM system.metrics WHERE metric = 'MemoryTracking'",
  );
  const v = Number(rows[0]?.value);
  return Number.isFinite(v) ? v : null;
}
