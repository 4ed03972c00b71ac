import {
  CairnError,
  COST_MODEL_DEFAULTS,
  CostModelExportQuery,
  CostModelQuery,
  CostModelResponse,
  type CostModelQuery as Query,
} from '@cairn/schemas';
import { listCostModelSessions, parseTime, type Store } from '@cairn/storage';
import { authOf } from '../auth.js';
import { buildCostModel, costModelCsv } from '../cost-model/index.js';
import type { ApiInstance, RouteContext } from '../types.js';
import { AUTH_ERRORS } from './common.js';

const DAY = 86_400_000;
const fileSafe = (s: string): string => s.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80);

const DESCRIPTION =
  'Per run cost of the ended sessions of a workflow and/or agent that started in [from, to) (newest first, at most ' +
  '`max_sessions`), their distribution and the mean cost of each class (successful, failed, with retries, with ' +
  'replanning, with tool failures), then three scenarios resampled from them with a seeded generator: expected (runs ' +
  'without tool failures or replanning), edge (`edge_rate` of runs drawn from runs that replanned) and failure (runs ' +
  'with tool failures mixed in so that `failure_rate` of tool calls fail); the risk exposure (failure − expected) per ' +
  'run and per month at `runs_per_month`, and the per-run cap (`caps: { maxCostUsd }` in the SDK) that bounds it.';

async function report(store: Store, projectId: string, q: Query) {
  const toMs = q.to !== undefined ? parseTime(q.to, 'to') : Date.now();
  const fromMs = q.from !== undefined ? parseTime(q.from, 'from') : toMs - COST_MODEL_DEFAULTS.range_days * DAY;
  if (fromMs >= toMs) throw new CairnError('CAIRN_BAD_REQUEST', '`from` must be before `to`');
  const maxSessions = q.max_sessions ?? COST_MODEL_DEFAULTS.max_sessions;
  const { rows, truncated } = await listCostModelSessions(store, {
    projectId,
    workflow: q.workflow,
    agent: q.agent,
    fromMs,
    toMs,
    maxSessions,
  });
  return buildCostModel({
    runs: rows,
    truncated,
    workflow: q.workflow ?? null,
    agent: q.agent ?? null,
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    edgeRate: q.edge_rate ?? COST_MODEL_DEFAULTS.edge_rate,
    failureRate: q.failure_rate ?? COST_MODEL_DEFAULTS.failure_rate,
    runsPerMonth: q.runs_per_month ?? COST_MODEL_DEFAULTS.runs_per_month,
    seed: q.seed ?? COST_MODEL_DEFAULTS.seed,
    maxSessions,
  });
}

export function registerCostModelRoutes(app: ApiInstance, { store }: RouteContext): void {
  app.get(
    '/api/cost-model',
    {
      schema: {
        tags: ['costs'],
        summary: 'Cost model: expected, edge and failure cost per run, and the risk exposure',
        description: DESCRIPTION,
        querystring: CostModelQuery,
        response: { 200: CostModelResponse, ...AUTH_ERRORS },
      },
    },
    async (request) => report(store, authOf(request).projectId, request.query),
  );

  app.get(
    '/api/cost-model/export',
    {
      schema: {
        tags: ['costs'],
        summary: 'The cost model as a download (CSV or JSON)',
        description:
          'The report of `GET /api/cost-model` as an attachment. `format=csv` (default): a header ' +
          '`section,key,metric,value` then one figure a line (null figures have an empty value); `format=json`: the report.',
        querystring: CostModelExportQuery,
        // No 200 schema: the body is CSV or JSON by `format` (errors are the usual shape).
      },
    },
    async (request, reply) => {
      const { format = 'csv', ...q } = request.query;
      const r = await report(store, authOf(request).projectId, q);
      const name = `cairn-cost-model-${fileSafe(q.workflow ?? q.agent ?? 'all')}.${format}`;
      void reply.header('content-disposition', `attachment; filename="${name}"`);
      if (format === 'json') return reply.type('application/json; charset=utf-8').send(JSON.stringify(r));
      return reply.type('text/csv; charset=utf-8').send(costModelCsv(r));
    },
  );
}
