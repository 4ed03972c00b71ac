import {
  Budget,
  BudgetList,
  BudgetParams,
  BudgetStatus,
  CairnError,
  CreateBudgetBody,
  DEFAULT_THRESHOLDS,
  OkResponse,
  UpdateBudgetBody,
  type BudgetScope,
} from '@cairn/schemas';
import type { Store } from '@cairn/storage';
import { authOf } from '../auth.js';
import { assertTimeZone, budgetSpends } from '@cairn/alerts';
import {
  alertedThresholds,
  deleteBudget,
  getBudget,
  listBudgets,
  listWebhooks,
  publicBudget,
  saveBudget,
  type BudgetRecord,
} from '@cairn/storage';
import type { ApiInstance, RouteContext } from '../types.js';
import { AUTH_ERRORS, AUTH_ERRORS_404 } from './common.js';

const normThresholds = (t: readonly number[] | undefined): number[] =>
  [...new Set(t ?? DEFAULT_THRESHOLDS)].sort((a, b) => a - b);

function normScope(scope: BudgetScope | undefined): BudgetScope {
  const out: BudgetScope = {};
  for (const k of ['agent', 'workflow', 'user', 'model'] as const) if (scope?.[k] !== undefined) out[k] = scope[k];
  return out;
}

async function checkWebhooks(store: Store, projectId: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const known = new Set((await listWebhooks(store, projectId)).map((w) => w.id));
  const missing = ids.filter((id) => !known.has(id));
  if (missing.length > 0) throw new CairnError('CAIRN_BAD_REQUEST', `webhook_ids: no webhook "${missing[0]}" in this project`);
}

async function found(store: Store, projectId: string, id: string): Promise<BudgetRecord> {
  const b = await getBudget(store, projectId, id);
  if (!b) throw new CairnError('CAIRN_NOT_FOUND', `no budget "${id}" in this project`);
  return b;
}

export function registerBudgetRoutes(app: ApiInstance, { store }: RouteContext): void {
  app.get(
    '/api/budgets',
    { schema: { tags: ['budgets'], summary: "The project's budgets", response: { 200: BudgetList, ...AUTH_ERRORS } } },
    async (request) => ({ budgets: (await listBudgets(store, authOf(request).projectId)).map(publicBudget) }),
  );

  app.post(
    '/api/budgets',
    {
      schema: {
        tags: ['budgets'],
        summary: 'Create a budget',
        description:
          'Spend in scope over the current calendar period (day, ISO week from Monday, month; UTC or `timezone`) is ' +
          'compared with `limit_usd`; each threshold (default 50, 80, 100 %) fires one alert per period to the ' +
          "budget's webhooks (all enabled webhooks when `webhook_ids` is empty). With `hard_stop`, runs in scope are " +
          'denied by `GET /api/guard` once spend reaches 100 %.',
        body: CreateBudgetBody,
        response: { 201: Budget, ...AUTH_ERRORS },
      },
    },
    async (request, reply) => {
      const { projectId } = authOf(request);
      const body = request.body;
      const timezone = body.timezone ?? 'UTC';
      assertTimeZone(timezone);
      const webhookIds = [...new Set(body.webhook_ids ?? [])];
      await checkWebhooks(store, projectId, webhookIds);
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
      return reply.status(201).send(publicBudget(saved));
    },
  );

  app.get(
    '/api/budgets/:id',
    { schema: { tags: ['budgets'], summary: 'One budget', params: BudgetParams, response: { 200: Budget, ...AUTH_ERRORS_404 } } },
    async (request) => publicBudget(await found(store, authOf(request).projectId, request.params.id)),
  );

  app.patch(
    '/api/budgets/:id',
    {
      schema: {
        tags: ['budgets'],
        summary: 'Change a budget (fields not sent stay as they are)',
        description: 'Alerts already fired in the current period stay fired; a new threshold value fires on its own.',
        params: BudgetParams,
        body: UpdateBudgetBody,
        response: { 200: Budget, ...AUTH_ERRORS_404 },
      },
    },
    async (request) => {
      const { projectId } = authOf(request);
      const cur = await found(store, projectId, request.params.id);
      const body = request.body;
      if (body.timezone !== undefined) assertTimeZone(body.timezone);
      if (body.webhook_ids !== undefined) await checkWebhooks(store, projectId, body.webhook_ids);
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
  );

  app.delete(
    '/api/budgets/:id',
    {
      schema: {
        tags: ['budgets'],
        summary: 'Delete a budget',
        params: BudgetParams,
        response: { 200: OkResponse, ...AUTH_ERRORS_404 },
      },
    },
    async (request) => {
      const cur = await found(store, authOf(request).projectId, request.params.id);
      await deleteBudget(store, cur);
      return { ok: true as const };
    },
  );

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
      const b = await found(store, projectId, request.params.id);
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
