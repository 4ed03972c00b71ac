import {
  Budget,
  BudgetList,
  BudgetParams,
  BudgetStatus,
  CairnError,
  CreateBudgetBody,
  DEFAULT_THRESHOLDS,
  UpdateBudgetBody,
  type BudgetScope,
} from '@cairn/schemas';
import { alertedThresholds, deleteBudget, getBudget, listBudgets, publicBudget, saveBudget } from '@cairn/storage';
import { authOf } from '../auth.js';
import { assertTimeZone, budgetSpends } from '@cairn/alerts';
import type { ApiInstance, RouteContext } from '../types.js';
import { AUTH_ERRORS_404, assertWebhooks } from './common.js';
import { registerCrudRoutes } from './crud.js';

const normThresholds = (t: readonly number[] | undefined): number[] =>
  [...new Set(t ?? DEFAULT_THRESHOLDS)].sort((a, b) => a - b);

function normScope(scope: BudgetScope | undefined): BudgetScope {
  const out: BudgetScope = {};
  for (const k of ['agent', 'workflow', 'user', 'model'] as const) if (scope?.[k] !== undefined) out[k] = scope[k];
  return out;
}

export function registerBudgetRoutes(app: ApiInstance, { store }: RouteContext): void {
  const { found } = registerCrudRoutes(app, {
    path: '/api/budgets',
    tag: 'budgets',
    noun: 'budget',
    params: BudgetParams,
    item: Budget,
    find: (projectId, id) => getBudget(store, projectId, id),
    list: {
      summary: "The project's budgets",
      response: BudgetList,
      load: async (projectId) => ({ budgets: (await listBudgets(store, projectId)).map(publicBudget) }),
    },
    create: {
      summary: 'Create a budget',
      description:
        'Spend in scope over the current calendar period (day, ISO week from Monday, month; UTC or `timezone`) is ' +
        'compared with `limit_usd`; each threshold (default 50, 80, 100 %) fires one alert per period to the ' +
        "budget's webhooks (all enabled webhooks when `webhook_ids` is empty). With `hard_stop`, runs in scope are " +
        'denied by `GET /api/guard` once spend reaches 100 %.',
      body: CreateBudgetBody,
      response: Budget,
      run: async (projectId, body) => {
        const timezone = body.timezone ?? 'UTC';
        assertTimeZone(timezone);
        const webhookIds = [...new Set(body.webhook_ids ?? [])];
        await assertWebhooks(store, projectId, 'webhook_ids', webhookIds);
        const saved = await saveBudget(store, {
          project_id: projectId,
          name: body.name,
          scope: normScope(body.scope),
          period: body.period,
          timezone,
          limit_usd: body.limit_usd,
          thresholds: normThresholds(body.thresholds),
          webhook_ids: webhookIds,
          hard_stop: body.hard_stop ?? false,
        });
        return publicBudget(saved);
      },
    },
    get: { summary: 'One budget', answer: publicBudget },
    update: {
      summary: 'Change a budget (fields not sent stay as they are)',
      description: 'Alerts already fired in the current period stay fired; a new threshold value fires on its own.',
      body: UpdateBudgetBody,
      run: async (projectId, cur, body) => {
        if (body.timezone !== undefined) assertTimeZone(body.timezone);
        if (body.webhook_ids !== undefined) await assertWebhooks(store, projectId, 'webhook_ids', body.webhook_ids);
        const saved = await saveBudget(store, {
          ...cur,
          ...(body.name !== undefined ? { name: body.name } : {}),
          ...(body.scope !== undefined ? { scope: normScope(body.scope) } : {}),
          ...(body.period !== undefined ? { period: body.period } : {}),
          ...(body.timezone !== undefined ? { timezone: body.timezone } : {}),
          ...(body.limit_usd !== undefined ? { limit_usd: body.limit_usd } : {}),
          ...(body.thresholds !== undefined ? { thresholds: normThresholds(body.thresholds) } : {}),
          ...(body.webhook_ids !== undefined ? { webhook_ids: [...new Set(body.webhook_ids)] } : {}),
          ...(body.hard_stop !== undefined ? { hard_stop: body.hard_stop } : {}),
        });
        return publicBudget(saved);
      },
    },
    remove: { summary: 'Delete a budget', run: (cur) => deleteBudget(store, cur) },
  });

  app.get(
    '/api/budgets/:id/status',
    {
      schema: {
        tags: ['budgets'],
        summary: "A budget's current period: spend, percent, thresholds crossed and alerted",
        description:
          'Spend comes from the hourly cost rollup (UTC hours): in timezones with a non-whole-hour offset the hour holding a period boundary counts toward the period that starts in it.',
        params: BudgetParams,
        response: { 200: BudgetStatus, ...AUTH_ERRORS_404 },
      },
    },
    async (request) => {
      const { projectId } = authOf(request);
      const b = await found(projectId, request.params.id);
      const [s] = await budgetSpends(store, [b], Date.now());
      if (!s) throw new CairnError('CAIRN_INTERNAL', 'no spend computed');
      const alerted = await alertedThresholds(store, projectId, b.id, s.period.start);
      return {
        budget: publicBudget(b),
        period: { start: new Date(s.period.start).toISOString(), end: new Date(s.period.end).toISOString() },
        spent_usd: s.spent,
        limit_usd: b.limit_usd,
        percent: s.percent,
        remaining_usd: Math.max(0, Math.round((b.limit_usd - s.spent) * 1e10) / 1e10),
        exceeded: s.spent >= b.limit_usd,
        thresholds_crossed: b.thresholds.filter((t) => s.percent >= t),
        thresholds_alerted: alerted,
      };
    },
  );
}
