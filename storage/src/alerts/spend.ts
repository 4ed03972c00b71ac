import { rawSql, type Store } from '../store.js';

/** A spend window over the hourly cost rollup: whole UTC hours and an optional scope. */
export interface SpendWindow {
  /** Epoch ms of the first hour (inclusive) and of the hour after the last (exclusive). */
  startMs: number;
  endMs: number;
  scope: { agent?: string; workflow?: string; user?: string; model?: string };
}

const SCOPE_COLUMNS = [
  ['agent', 'agent_name'],
  ['workflow', 'workflow'],
  ['user', 'user_id'],
  ['model', 'model'],
] as const;

/**
 * Spend (USD) of one project in each window, from `cost_hourly` only (never raw spans): one
 * query, one `sumIf` per window, returned in the windows' order.
 */
export async function spendInWindows(store: Store, projectId: string, windows: readonly SpendWindow[]): Promise<number[]> {
  if (windows.length === 0) return [];
  const params: Record<string, unknown> = { p: projectId };
  let minStart = Number.POSITIVE_INFINITY;
  let maxEnd = 0;
  const columns = windows.map((w, i) => {
    minStart = Math.min(minStart, w.startMs);
    maxEnd = Math.max(maxEnd, w.endMs);
    params[`s${i}`] = w.startMs / 1000;
    params[`e${i}`] = w.endMs / 1000;
    const conds = [`hour >= toDateTime({s${i}:UInt32}, 'UTC')`, `hour < toDateTime({e${i}:UInt32}, 'UTC')`];
    for (const [field, column] of SCOPE_COLUMNS) {
      const v = w.scope[field];
      if (v !== undefined) {
        conds.push(`${column} = {${field}${i}:String}`);
        params[`${field}${i}`] = v;
      }
    }
    return `sumIf(cost_usd, ${conds.join(' AND ')}) AS b${i}`;
  });
  params.from = minStart / 1000;
  params.to = maxEnd / 1000;
  const rows = await rawSql(store).query<Record<string, number>>(
    `SELECT ${columns.join(', ')} FROM cost_hourly
     WHERE project_id = {p:String} AND hour >= toDateTime({from:UInt32}, 'UTC') AND hour < toDateTime({to:UInt32}, 'UTC')`,
    params,
  );
  const row = rows[0] ?? {};
  return windows.map((_, i) => Number(row[`b${i}`] ?? 0));
}
