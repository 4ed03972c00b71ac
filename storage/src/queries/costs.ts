import { CairnError, type CostBucket, type CostFigures, type CostGroupBy, type CostsResponse } from '@cairn/schemas';
import { rawSql, type Store } from '../store.js';
import { chTime, parseTime } from './time.js';

export interface CostsRequest {
  projectId: string;
  from?: string | undefined;
  to?: string | undefined;
  bucket: CostBucket;
  groupBy: CostGroupBy;
  filters: {
    agent?: string[] | undefined;
    workflow?: string[] | undefined;
    user?: string[] | undefined;
    model?: string[] | undefined;
  };
  limit: number;
}

const HOUR = 3_600_000;
const BUCKET_MS: Record<CostBucket, number> = { hour: HOUR, day: 24 * HOUR };
const MAX_BUCKETS = 2000;
const DIMENSION: Record<CostGroupBy, string> = {
  none: "''",
  agent: 'toString(agent_name)',
  model: 'toString(model)',
  workflow: 'toString(workflow)',
  user: 'user_id',
  provider: 'toString(provider)',
};
const FILTER_COLUMN = { agent: 'agent_name', workflow: 'workflow', user: 'user_id', model: 'model' } as const;
export const OTHER_KEY = '(other)';

interface CostRow {
  t_ms: number;
  k: string;
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  reasoning_tokens: number;
  llm_calls: number;
}

const zero = (): CostFigures => ({
  cost_usd: 0,
  input_tokens: 0,
  output_tokens: 0,
  cache_read_tokens: 0,
  reasoning_tokens: 0,
  llm_calls: 0,
});

function add(into: CostFigures, r: CostFigures): void {
  into.cost_usd += r.cost_usd;
  into.input_tokens += Number(r.input_tokens);
  into.output_tokens += Number(r.output_tokens);
  into.cache_read_tokens += Number(r.cache_read_tokens);
  into.reasoning_tokens += Number(r.reasoning_tokens);
  into.llm_calls += Number(r.llm_calls);
}

/**
 * Spend from the hourly cost rollup only. Hours are attributed by the span's end time; a range
 * covers the hours that start in [from rounded down to the hour, to). Day buckets are UTC days.
 */
export async function getCosts(store: Store, req: CostsRequest): Promise<CostsResponse> {
  const toMs = req.to !== undefined ? parseTime(req.to, 'to') : Date.now();
  const fromRaw = req.from !== undefined ? parseTime(req.from, 'from') : toMs - 7 * 24 * HOUR;
  const fromMs = Math.floor(fromRaw / HOUR) * HOUR;
  if (fromMs >= toMs) throw new CairnError('CAIRN_BAD_REQUEST', '`from` must be before `to`');
  if ((toMs - fromMs) / BUCKET_MS[req.bucket] > MAX_BUCKETS) {
    throw new CairnError(
      'CAIRN_BAD_REQUEST',
      `the range spans more than ${MAX_BUCKETS} ${req.bucket} buckets: narrow it${req.bucket === 'hour' ? ' or use bucket=day' : ''}`,
    );
  }
  const params: Record<string, unknown> = { p: req.projectId, from: chTime(fromMs), to: chTime(toMs) };
  const where = [
    'project_id = {p:String}',
    "hour >= toDateTime64({from:String}, 3, 'UTC')",
    "hour < toDateTime64({to:String}, 3, 'UTC')",
  ];
  for (const [field, column] of Object.entries(FILTER_COLUMN) as [keyof typeof FILTER_COLUMN, string][]) {
    const values = req.filters[field];
    if (values && values.length > 0) {
      where.push(`${column} IN {f_${field}:Array(String)}`);
      params[`f_${field}`] = values;
    }
  }
  const bucketExpr = req.bucket === 'hour' ? 'hour' : "toStartOfDay(hour, 'UTC')";
  const rows = await rawSql(store).query<CostRow>(
    `SELECT toUnixTimestamp(${bucketExpr}) * 1000 AS t_ms, ${DIMENSION[req.groupBy]} AS k,
            sum(cost_usd) AS cost_usd, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
            sum(cache_read_tokens) AS cache_read_tokens, sum(reasoning_tokens) AS reasoning_tokens, sum(llm_calls) AS llm_calls
     FROM cost_hourly
     WHERE ${where.join(' AND ')}
     GROUP BY t_ms, k
     ORDER BY t_ms, k`,
    params,
  );
  const totals = zero();
  const byKey = new Map<string, CostFigures>();
  for (const r of rows) {
    add(totals, r);
    let g = byKey.get(r.k);
    if (!g) byKey.set(r.k, (g = zero()));
    add(g, r);
  }
  const ranked = [...byKey.entries()].sort((a, b) => b[1].cost_usd - a[1].cost_usd || (a[0] < b[0] ? -1 : 1));
  const kept = new Set(ranked.slice(0, req.limit).map(([k]) => k));
  const groups = ranked.slice(0, req.limit).map(([key, f]) => ({ key, ...f }));
  if (ranked.length > req.limit) {
    const other = zero();
    for (const [, f] of ranked.slice(req.limit)) add(other, f);
    groups.push({ key: OTHER_KEY, ...other });
  }
  const series: CostsResponse['series'] = [];
  const otherByTime = new Map<number, CostFigures>();
  for (const r of rows) {
    const t = Number(r.t_ms);
    if (kept.has(r.k)) {
      const f = zero();
      add(f, r);
      series.push({ time: new Date(t).toISOString(), key: r.k, ...f });
    } else {
      let o = otherByTime.get(t);
      if (!o) otherByTime.set(t, (o = zero()));
      add(o, r);
    }
  }
  for (const [t, f] of otherByTime) series.push({ time: new Date(t).toISOString(), key: OTHER_KEY, ...f });
  series.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    bucket: req.bucket,
    group_by: req.groupBy,
    totals,
    groups,
    series,
  };
}
