import { rawSql, type Store } from '../store.js';

/**
 * Several read statements run as one. chDB runs a connection's statements one at a time, and
 * each pays its analysis and planning whatever it reads: the session summary's 22 aggregates
 * cost ~10 ms on a range holding no row against ~3 ms for `SELECT 1` (the bench's 10M-span
 * store, BENCHMARKS.md). One statement pays the fixed part once, and ClickHouse runs its
 * branches on both cores.
 *
 * Each part's rows come back as JSONEachRow text (`formatRowNoNewline`, so with the client's
 * output settings) tagged with the part's index. A UNION ALL keeps no order across or within its
 * branches: a part whose order matters is sorted again by its reader. Parts share one set of
 * parameters.
 */
function partsStatement(parts: readonly string[]): string {
  return parts
    .map((sql, tag) => `SELECT ${tag} AS part, formatRowNoNewline('JSONEachRow', *) AS row FROM (${sql})`)
    .join('\nUNION ALL ');
}

/** Runs `partsStatement(parts)` and returns each part's rows, parsed, by index. */
export async function queryParts(store: Store, parts: readonly string[], params: Record<string, unknown>): Promise<unknown[][]> {
  const rows = await rawSql(store).query<{ part: number; row: string }>(partsStatement(parts), params);
  const out: unknown[][] = parts.map(() => []);
  for (const r of rows) out[Number(r.part)]?.push(JSON.parse(r.row));
  return out;
}
