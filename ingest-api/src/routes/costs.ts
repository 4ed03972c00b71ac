import { CostsQuery, CostsResponse } from '@cairn/schemas';
import { authOf } from '../auth.js';
import { getCosts } from '@cairn/storage';
import type { ApiInstance, RouteContext } from '../types.js';
import { AUTH_ERRORS } from './common.js';

export function registerCostRoutes(app: ApiInstance, { store }: RouteContext): void {
  app.get(
    '/api/costs',
    {
      schema: {
        tags: ['costs'],
        summary: 'Spend totals and time series',
        description:
          'From the hourly cost rollup (spend is attributed to the hour a span ended). `from` is rounded down to the ' +
          'hour; hours starting before `to` are included. Buckets are UTC hours or days, at most 2,000 per answer. ' +
          'Groups beyond `limit` (by total cost) are summed under the key "(other)".',
        querystring: CostsQuery,
        response: { 200: CostsResponse, ...AUTH_ERRORS },
      },
    },
    async (request) => {
      const q = request.query;
      return getCosts(store, {
        projectId: authOf(request).projectId,
        from: q.from,
        to: q.to,
        bucket: q.bucket ?? 'day',
        groupBy: q.group_by ?? 'none',
        filters: { agent: q.agent, workflow: q.workflow, user: q.user, model: q.model },
        limit: q.limit ?? 20,
      });
    },
  );
}
