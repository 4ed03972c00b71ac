import { GuardQuery, GuardResponse, type GuardBudget } from '@cairn/schemas';
import { authOf } from '../auth.js';
import { listBudgets } from '@cairn/storage';
import { budgetSpends, scopeCovers, type BudgetSpend } from '@cairn/alerts';
import type { ApiInstance, RouteContext } from '../types.js';
import { AUTH_ERRORS } from './common.js';

export interface GuardRouteOptions {
  /** How long a project's budget spends are reused between guard calls (default 1 s). */
  cacheMs?: number;
}

/**
 * `GET /api/guard` for ingest and admin keys, in its own scope (the admin-only hook of the
 * other routes must not apply). Spend is cached per project for about a second: SDKs call this
 * at every session start and between steps.
 */
export async function registerGuardRoutes(
  app: ApiInstance,
  { store, auth }: RouteContext,
  opts: GuardRouteOptions = {},
): Promise<void> {
  const cacheMs = opts.cacheMs ?? 1000;
  const cache = new Map<string, { expires: number; value: Promise<BudgetSpend[]> }>();
  const spendsOf = (projectId: string): Promise<BudgetSpend[]> => {
    const now = Date.now();
    const hit = cache.get(projectId);
    if (hit && hit.expires > now) return hit.value;
    const value = (async () => {
      const budgets = await listBudgets(store, projectId);
      return budgets.length > 0 ? budgetSpends(store, budgets, now) : [];
    })();
    if (cache.size > 10_000) cache.clear();
    cache.set(projectId, { expires: now + cacheMs, value });
    value.catch(() => cache.delete(projectId));
    return value;
  };

  await app.register(async (scope: ApiInstance) => {
    scope.addHook('onRequest', auth.require(['ingest', 'admin']));
    scope.get(
      '/api/guard',
      {
        schema: {
          tags: ['guard'],
          summary: 'May a run in this scope go on? (ingest or admin key)',
          description:
            'Denies (`allow: false`) when a `hard_stop` budget covering the run has spent 100 % of its limit in the ' +
            "current period. A budget covers the run when each field of its scope equals the run's (model-scoped " +
            'budgets only when `model` is given). Figures may be up to about a second old.',
          querystring: GuardQuery,
          response: { 200: GuardResponse, ...AUTH_ERRORS },
        },
      },
      async (request) => {
        const q = request.query;
        const run = {
          ...(q.agent ? { agent: q.agent } : {}),
          ...(q.workflow ? { workflow: q.workflow } : {}),
          ...(q.user ? { user: q.user } : {}),
          ...(q.model ? { model: q.model } : {}),
        };
        const covering = (await spendsOf(authOf(request).projectId)).filter((s) => scopeCovers(s.budget, run));
        const reasons: string[] = [];
        const budgets: GuardBudget[] = covering.map((s) => {
          if (s.budget.hard_stop && s.spent >= s.budget.limit_usd) {
            reasons.push(
              `budget "${s.budget.name}" (${s.budget.id}) spent $${s.spent.toFixed(2)} of $${s.budget.limit_usd.toFixed(2)} this ${s.budget.period}; hard stop until ${new Date(s.period.end).toISOString()}`,
            );
          }
          return {
            id: s.budget.id,
            name: s.budget.name,
            hard_stop: s.budget.hard_stop,
            period_end: new Date(s.period.end).toISOString(),
            spent_usd: s.spent,
            limit_usd: s.budget.limit_usd,
            percent: s.percent,
          };
        });
        return { allow: reasons.length === 0, reasons, budgets };
      },
    );
  });
}
