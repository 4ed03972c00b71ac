import { Type, type Static } from 'typebox';
import { MAX_USD } from './api-bounds.js';

/**
 * Budgets (`/api/budgets`, docs/ARCHITECTURE.md, "Budgets, alerts and hard stops"). Money is USD; times are ISO 8601 in UTC; periods are
 * calendar day, ISO week (Monday 00:00) or month in UTC or the budget's IANA timezone.
 */

export const BUDGET_PERIODS = ['day', 'week', 'month'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];
export const DEFAULT_THRESHOLDS = [50, 80, 100] as const;

const ScopeValue = Type.String({ minLength: 1, maxLength: 256 });

export const BudgetScope = Type.Object(
  {
    agent: Type.Optional(ScopeValue),
    workflow: Type.Optional(ScopeValue),
    user: Type.Optional(ScopeValue),
    model: Type.Optional(ScopeValue),
  },
  { additionalProperties: false, description: 'Every given field must match (AND); an empty scope is the whole project.' },
);
export type BudgetScope = Static<typeof BudgetScope>;

const Thresholds = Type.Array(Type.Number({ exclusiveMinimum: 0, maximum: 1000 }), {
  minItems: 1,
  maxItems: 10,
  description: 'Percentages of the limit that fire an alert once per period (default 50, 80, 100).',
});

export const CreateBudgetBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    scope: Type.Optional(BudgetScope),
    period: Type.Enum(BUDGET_PERIODS),
    timezone: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'IANA timezone of the period boundaries (default UTC).' }),
    ),
    limit_usd: Type.Number({ exclusiveMinimum: 0, maximum: MAX_USD }),
    thresholds: Type.Optional(Thresholds),
    webhook_ids: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
        maxItems: 20,
        description: "Webhooks that get this budget's alerts; empty = every enabled webhook of the project.",
      }),
    ),
    hard_stop: Type.Optional(
      Type.Boolean({ description: 'At 100 % `GET /api/guard` denies runs in scope and the SDK stops them.' }),
    ),
  },
  { additionalProperties: false },
);
export type CreateBudgetBody = Static<typeof CreateBudgetBody>;

export const UpdateBudgetBody = Type.Partial(CreateBudgetBody, { additionalProperties: false });
export type UpdateBudgetBody = Static<typeof UpdateBudgetBody>;

export const Budget = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scope: BudgetScope,
  period: Type.Enum(BUDGET_PERIODS),
  timezone: Type.String(),
  limit_usd: Type.Number(),
  thresholds: Type.Array(Type.Number()),
  webhook_ids: Type.Array(Type.String()),
  hard_stop: Type.Boolean(),
  created_at: Type.String(),
  updated_at: Type.String(),
});
export type Budget = Static<typeof Budget>;

export const BudgetList = Type.Object({ budgets: Type.Array(Budget) });
export type BudgetList = Static<typeof BudgetList>;

export const BudgetParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export type BudgetParams = Static<typeof BudgetParams>;

export const BudgetStatus = Type.Object({
  budget: Budget,
  period: Type.Object({ start: Type.String(), end: Type.String() }),
  spent_usd: Type.Number(),
  limit_usd: Type.Number(),
  percent: Type.Number(),
  remaining_usd: Type.Number(),
  exceeded: Type.Boolean({ description: 'spent_usd >= limit_usd.' }),
  thresholds_crossed: Type.Array(Type.Number(), { description: 'Thresholds at or below `percent` in this period.' }),
  thresholds_alerted: Type.Array(Type.Number(), { description: 'Thresholds for which an alert has fired in this period.' }),
});
export type BudgetStatus = Static<typeof BudgetStatus>;
