import { Type, type Static } from 'typebox';
import { TimeParam } from './api-bounds.js';

/** `GET /api/costs`: spend over time from the hourly cost rollup (docs/ARCHITECTURE.md, "Storage principles" and "HTTP contract"). */

export const COST_GROUP_BYS = ['none', 'agent', 'model', 'workflow', 'user', 'provider'] as const;
export type CostGroupBy = (typeof COST_GROUP_BYS)[number];
export const COST_BUCKETS = ['hour', 'day'] as const;
export type CostBucket = (typeof COST_BUCKETS)[number];

const StringList = Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 50 });

export const CostsQuery = Type.Object(
  {
    from: Type.Optional(TimeParam('Start, rounded down to the hour. Default: 7 days before `to`.')),
    to: Type.Optional(TimeParam('End, exclusive. Default: now.')),
    bucket: Type.Optional(Type.Enum(COST_BUCKETS)),
    group_by: Type.Optional(Type.Enum(COST_GROUP_BYS)),
    agent: Type.Optional(StringList),
    workflow: Type.Optional(StringList),
    user: Type.Optional(StringList),
    model: Type.Optional(StringList),
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 200,
        default: 20,
        description: 'Groups kept by total cost; the rest are summed into the key "(other)".',
      }),
    ),
  },
  { additionalProperties: false },
);
export type CostsQuery = Static<typeof CostsQuery>;

const costFigureFields = {
  cost_usd: Type.Number(),
  input_tokens: Type.Integer(),
  output_tokens: Type.Integer(),
  cache_read_tokens: Type.Integer(),
  reasoning_tokens: Type.Integer(),
  llm_calls: Type.Integer(),
};
export const CostFigures = Type.Object(costFigureFields);
export type CostFigures = Static<typeof CostFigures>;

export const CostGroup = Type.Object({ key: Type.String(), ...costFigureFields });
export type CostGroup = Static<typeof CostGroup>;

export const CostPoint = Type.Object({
  time: Type.String({ description: 'Start of the bucket (UTC).' }),
  key: Type.String(),
  ...costFigureFields,
});
export type CostPoint = Static<typeof CostPoint>;

export const CostsResponse = Type.Object({
  from: Type.String(),
  to: Type.String(),
  bucket: Type.Enum(COST_BUCKETS),
  group_by: Type.Enum(COST_GROUP_BYS),
  totals: CostFigures,
  groups: Type.Array(CostGroup, {
    description: 'Per group over the whole range, by cost descending. Key "" is spend with no value for the dimension.',
  }),
  series: Type.Array(CostPoint, { description: 'Per bucket and group, by time then key; empty buckets are omitted.' }),
});
export type CostsResponse = Static<typeof CostsResponse>;
