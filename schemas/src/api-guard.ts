import { Type, type Static } from 'typebox';

/** `GET /api/guard`: may a run in this scope go on? (docs/ARCHITECTURE.md, "Budgets, alerts and hard stops" hard stop). */

export const GuardQuery = Type.Object(
  {
    agent: Type.Optional(Type.String({ maxLength: 256 })),
    workflow: Type.Optional(Type.String({ maxLength: 256 })),
    user: Type.Optional(Type.String({ maxLength: 256 })),
    model: Type.Optional(
      Type.String({ maxLength: 256, description: 'Model-scoped budgets apply only when the model is given.' }),
    ),
  },
  { additionalProperties: false },
);
export type GuardQuery = Static<typeof GuardQuery>;

export const GuardBudget = Type.Object({
  id: Type.String(),
  name: Type.String(),
  hard_stop: Type.Boolean(),
  period_end: Type.String(),
  spent_usd: Type.Number(),
  limit_usd: Type.Number(),
  percent: Type.Number(),
});
export type GuardBudget = Static<typeof GuardBudget>;

export const GuardResponse = Type.Object({
  allow: Type.Boolean(),
  reasons: Type.Array(Type.String(), { description: 'Why the run is denied (one line per spent hard-stop budget).' }),
  budgets: Type.Array(GuardBudget, { description: 'Budgets whose scope covers this run.' }),
});
export type GuardResponse = Static<typeof GuardResponse>;
