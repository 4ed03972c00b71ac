import { Type, type Static, type TSchema } from 'typebox';
import { MAX_USD } from './api-bounds.js';

/**
 * Escalation review queues (`/api/reviews/*`, admin) and the SDK's side of them
 * (`/api/escalations*`, ingest key). docs/ARCHITECTURE.md, "Escalations and reviews".
 * Times are ISO 8601 in UTC. `proposed_action`, `edited_action` and `state` are any JSON value
 * the agent sent (stored as JSON text, at most {@link MAX_REVIEW_JSON_CHARS} characters).
 */

export const REVIEW_FALLBACKS = ['hold', 'auto_reject', 'auto_approve'] as const;
export type ReviewFallback = (typeof REVIEW_FALLBACKS)[number];
export const REVIEW_STATUSES = ['open', 'claimed', 'decided', 'expired'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];
export const REVIEW_DECISIONS = ['approve', 'reject', 'edit'] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];
/** Rule sources are `rule:<name>`; these are the rules the alert engine knows. */
export const REVIEW_RULES = ['low_confidence', 'hard_stop', 'anomaly'] as const;
export type ReviewRule = (typeof REVIEW_RULES)[number];
export const REVIEW_EVENT_KINDS = ['opened', 'claimed', 'decided', 'sla_missed', 'fallback_applied'] as const;
export type ReviewEventKind = (typeof REVIEW_EVENT_KINDS)[number];
/** Score names a decision writes on its step (scores table, source `review`). */
export const REVIEW_SCORE_NAMES = { decision: 'review.decision', correct: 'review.correct' } as const;
export const MAX_REVIEW_JSON_CHARS = 100_000;
/** Longest `wait` of `GET /api/escalations/:id` (below common proxy idle timeouts). */
export const MAX_ESCALATION_WAIT_SECONDS = 25;

const Id = Type.String({ minLength: 1, maxLength: 64 });
const Name = Type.String({ minLength: 1, maxLength: 256 });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const AnyJson = (description: string) => Type.Unknown({ description });

// ---- queues ----

export const ReviewQueueScope = Type.Object(
  { agent: Type.Optional(Name), workflow: Type.Optional(Name) },
  {
    additionalProperties: false,
    description: 'Every given field must match; an empty scope takes every escalation. The most specific queue wins.',
  },
);
export type ReviewQueueScope = Static<typeof ReviewQueueScope>;

export const CreateReviewQueueBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    scope: Type.Optional(ReviewQueueScope),
    webhook_ids: Type.Optional(
      Type.Array(Id, { maxItems: 20, description: 'Webhooks told about each new item (the recipient).' }),
    ),
    reviewer: Type.Optional(Type.String({ maxLength: 200, description: 'A named reviewer (the recipient).' })),
    sla_minutes: Type.Number({
      exclusiveMinimum: 0,
      maximum: 525_600,
      description: 'Time to decide; fractions allowed (0.05 = 3 s).',
    }),
    fallback: Type.Optional(Type.Enum(REVIEW_FALLBACKS, { description: 'Applied when the SLA passes (default hold).' })),
    fallback_webhook_ids: Type.Optional(
      Type.Array(Id, { maxItems: 20, description: 'Webhooks that get `escalation.sla_missed`.' }),
    ),
  },
  { additionalProperties: false },
);
export type CreateReviewQueueBody = Static<typeof CreateReviewQueueBody>;

export const UpdateReviewQueueBody = Type.Partial(CreateReviewQueueBody, { additionalProperties: false });
export type UpdateReviewQueueBody = Static<typeof UpdateReviewQueueBody>;

export const ReviewQueue = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scope: ReviewQueueScope,
  webhook_ids: Type.Array(Type.String()),
  reviewer: Type.String(),
  sla_minutes: Type.Number(),
  fallback: Type.Enum(REVIEW_FALLBACKS),
  fallback_webhook_ids: Type.Array(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
});
export type ReviewQueue = Static<typeof ReviewQueue>;

export const ReviewQueueList = Type.Object({ queues: Type.Array(ReviewQueue) });
export type ReviewQueueList = Static<typeof ReviewQueueList>;

export const ReviewIdParams = Type.Object({ id: Id });
export type ReviewIdParams = Static<typeof ReviewIdParams>;

// ---- items ----

export const ReviewItem = Type.Object({
  id: Type.String({ description: 'Derived from (project, session, span, source): one item per escalation.' }),
  queue_id: Nullable(Type.String()),
  session_id: Type.String(),
  span_id: Type.String(),
  agent: Type.String(),
  workflow: Type.String(),
  reason: Type.String(),
  source: Type.String({ description: '`sdk`, `event` (a `cairn.escalation` span event) or `rule:<name>`.' }),
  confidence: Nullable(Type.Number()),
  proposed_action: AnyJson('What the agent wanted to do; null when not given.'),
  state: AnyJson('The state at the step; null when not given.'),
  cost_usd: Type.Number({ description: 'Cost of the session so far when the item opened.' }),
  status: Type.Enum(REVIEW_STATUSES),
  created_at: Type.String(),
  due_at: Nullable(Type.String({ description: 'created_at + the queue SLA; null without a queue.' })),
  claimed_by: Nullable(Type.String()),
  claimed_at: Nullable(Type.String()),
  decision: Nullable(Type.Enum(REVIEW_DECISIONS)),
  edited_action: AnyJson('The action to take instead (decision `edit`); null otherwise.'),
  comment: Type.String(),
  correct: Nullable(Type.Boolean({ description: "The reviewer's label: was the agent's proposal correct?" })),
  decided_by: Nullable(Type.String({ description: 'The reviewer, or `cairn:fallback` for an auto fallback.' })),
  decided_at: Nullable(Type.String()),
  fallback_applied: Nullable(Type.Enum(REVIEW_FALLBACKS)),
});
export type ReviewItem = Static<typeof ReviewItem>;

export const ReviewItemsQuery = Type.Object(
  {
    status: Type.Optional(Type.Array(Type.Enum(REVIEW_STATUSES), { maxItems: 4 })),
    queue_id: Type.Optional(Id),
    agent: Type.Optional(Name),
    session_id: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    due: Type.Optional(
      Type.Enum(['soon', 'overdue'] as const, {
        description: '`soon`: open or claimed, due within `due_soon_minutes`; `overdue`: open or claimed, past due_at.',
      }),
    ),
    due_soon_minutes: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10_080, default: 15 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 2000, description: 'next_cursor of the previous page (same filters).' })),
  },
  { additionalProperties: false },
);
export type ReviewItemsQuery = Static<typeof ReviewItemsQuery>;

export const ReviewItemList = Type.Object({
  items: Type.Array(ReviewItem, { description: 'Oldest due first (items without due_at last), then id.' }),
  next_cursor: Nullable(Type.String()),
});
export type ReviewItemList = Static<typeof ReviewItemList>;

export const ReviewEvent = Type.Object({
  item_id: Type.String(),
  kind: Type.Enum(REVIEW_EVENT_KINDS),
  at: Type.String(),
  by: Type.String(),
  decision: Nullable(Type.Enum(REVIEW_DECISIONS)),
  comment: Type.String(),
  detail: Type.String({ description: 'Reason, fallback or delivery detail, depending on the kind.' }),
});
export type ReviewEvent = Static<typeof ReviewEvent>;

export const ReviewItemDetail = Type.Object({ item: ReviewItem, history: Type.Array(ReviewEvent) });
export type ReviewItemDetail = Static<typeof ReviewItemDetail>;

export const ClaimBody = Type.Object(
  { reviewer: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
export type ClaimBody = Static<typeof ClaimBody>;

export const DecideBody = Type.Object(
  {
    decision: Type.Enum(REVIEW_DECISIONS),
    reviewer: Type.String({ minLength: 1, maxLength: 200 }),
    edited_action: Type.Optional(AnyJson('Required when decision is `edit`.')),
    comment: Type.Optional(Type.String({ maxLength: 10_000 })),
    correct: Type.Optional(Type.Boolean({ description: "Was the agent's proposal correct? Feeds calibration." })),
  },
  { additionalProperties: false },
);
export type DecideBody = Static<typeof DecideBody>;

export const ReviewHistoryQuery = Type.Object(
  {
    agent: Type.Optional(Name),
    queue_id: Type.Optional(Id),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);
export type ReviewHistoryQuery = Static<typeof ReviewHistoryQuery>;

export const ReviewHistory = Type.Object({
  items: Type.Array(ReviewItem, { description: 'Decided or expired items, newest decision first.' }),
});
export type ReviewHistory = Static<typeof ReviewHistory>;

// ---- trust thresholds ----

export const ReviewThreshold = Type.Object({
  agent: Type.String({ description: "'' is the project default for agents without their own." }),
  threshold: Type.Number({ description: 'Escalate steps whose confidence is below this.' }),
  updated_at: Type.String(),
});
export type ReviewThreshold = Static<typeof ReviewThreshold>;

export const ReviewThresholdList = Type.Object({ thresholds: Type.Array(ReviewThreshold) });
export type ReviewThresholdList = Static<typeof ReviewThresholdList>;

export const PutThresholdBody = Type.Object(
  {
    agent: Type.String({ maxLength: 256, description: "'' sets the project default." }),
    threshold: Nullable(Type.Number({ minimum: 0, maximum: 1, description: 'null removes it.' })),
  },
  { additionalProperties: false },
);
export type PutThresholdBody = Static<typeof PutThresholdBody>;

export const ThresholdQuery = Type.Object(
  { agent: Type.Optional(Type.String({ maxLength: 256 })) },
  { additionalProperties: false },
);
export type ThresholdQuery = Static<typeof ThresholdQuery>;

export const EffectiveThreshold = Type.Object({
  agent: Type.String(),
  threshold: Nullable(Type.Number({ description: "The agent's threshold, else the project default, else null." })),
});
export type EffectiveThreshold = Static<typeof EffectiveThreshold>;

// ---- the SDK side (ingest key) ----

export const EscalationBody = Type.Object(
  {
    session_id: Type.String({ minLength: 1, maxLength: 512 }),
    span_id: Type.String({ minLength: 1, maxLength: 64, description: 'The step that escalates.' }),
    agent: Type.Optional(Type.String({ maxLength: 256 })),
    workflow: Type.Optional(Type.String({ maxLength: 256 })),
    reason: Type.String({ minLength: 1, maxLength: 2000 }),
    confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    proposed_action: Type.Optional(AnyJson('What the agent wants to do.')),
    state: Type.Optional(AnyJson('The state at this step.')),
    cost_usd: Type.Optional(Type.Number({ minimum: 0, maximum: MAX_USD, description: 'Cost of the run so far.' })),
  },
  { additionalProperties: false },
);
export type EscalationBody = Static<typeof EscalationBody>;

export const EscalationWaitQuery = Type.Object(
  {
    wait: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: MAX_ESCALATION_WAIT_SECONDS,
        default: 0,
        description: 'Seconds to hold the request while the item is unresolved.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type EscalationWaitQuery = Static<typeof EscalationWaitQuery>;

export const EscalationStatus = Type.Object({
  id: Type.String(),
  status: Type.Enum(REVIEW_STATUSES),
  resolved: Type.Boolean({ description: 'A decision exists (a reviewer, or an auto fallback): the agent may go on.' }),
  decision: Nullable(Type.Enum(REVIEW_DECISIONS)),
  edited_action: AnyJson('Set when decision is `edit`.'),
  comment: Type.String(),
  decided_by: Nullable(Type.String()),
  decided_at: Nullable(Type.String()),
  due_at: Nullable(Type.String()),
  fallback_applied: Nullable(Type.Enum(REVIEW_FALLBACKS)),
});
export type EscalationStatus = Static<typeof EscalationStatus>;

// ---- the replay's view ----

/** An escalation recorded on a step and, when the agent waited, the decision it continued with. */
export const SessionEscalation = Type.Object({
  span_id: Type.String(),
  time: Type.String({ description: 'When the escalation was recorded.' }),
  reason: Type.String(),
  target: Type.String(),
  item_id: Nullable(Type.String({ description: 'The review item the SDK opened; null for other instrumentations.' })),
  decision: Nullable(Type.String({ description: '`approve`, `reject`, `edit`, `timeout` or `none`; null when not recorded.' })),
  decided_by: Nullable(Type.String()),
  comment: Type.String(),
  fallback: Nullable(Type.String()),
  edited_action: Nullable(Type.String({ description: 'JSON text of the edited action (decision `edit`).' })),
});
export type SessionEscalation = Static<typeof SessionEscalation>;
