import { Type, type Static } from 'typebox';
import { TimeParam } from './api-bounds.js';

/** Alerts (`GET /api/alerts`) and anomaly-detector settings (docs/ARCHITECTURE.md, "Budgets, alerts and hard stops"). */

export const ANOMALY_TYPES = ['session_cost', 'step_limit', 'retry_loop', 'error_rate'] as const;
export type AnomalyType = (typeof ANOMALY_TYPES)[number];
export const ALERT_TYPES = [
  'budget.threshold_crossed',
  'anomaly.session_cost',
  'anomaly.step_limit',
  'anomaly.retry_loop',
  'anomaly.error_rate',
  'escalation.opened',
  'escalation.sla_missed',
] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

export const AlertsQuery = Type.Object(
  {
    type: Type.Optional(Type.Array(Type.Enum(ALERT_TYPES), { maxItems: 10 })),
    budget_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    session_id: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    agent: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    from: Type.Optional(TimeParam('Alerts created at or after this time.')),
    to: Type.Optional(TimeParam('Alerts created before this time.')),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);
export type AlertsQuery = Static<typeof AlertsQuery>;

export const Alert = Type.Object({
  id: Type.String(),
  type: Type.Enum(ALERT_TYPES),
  created_at: Type.String(),
  message: Type.String(),
  budget_id: Type.Union([Type.String(), Type.Null()]),
  session_id: Type.Union([Type.String(), Type.Null()]),
  agent_name: Type.Union([Type.String(), Type.Null()]),
  threshold: Type.Union([Type.Number(), Type.Null()]),
  period: Type.Union([Type.Object({ start: Type.String(), end: Type.String() }), Type.Null()]),
  spent_usd: Type.Union([Type.Number(), Type.Null()]),
  limit_usd: Type.Union([Type.Number(), Type.Null()]),
  percent: Type.Union([Type.Number(), Type.Null()]),
  payload: Type.Unknown({ description: 'The event body sent to webhooks (json format).' }),
});
export type Alert = Static<typeof Alert>;

export const AlertList = Type.Object({ alerts: Type.Array(Alert) });
export type AlertList = Static<typeof AlertList>;

export const DetectorSettings = Type.Object(
  {
    session_cost_multiplier: Type.Number({
      exclusiveMinimum: 1,
      maximum: 1000,
      description: "Flag a session costing more than this × its agent's trailing median (3).",
    }),
    baseline_days: Type.Integer({ minimum: 1, maximum: 90, description: 'Trailing window of the medians and baselines (7).' }),
    min_history: Type.Integer({
      minimum: 1,
      maximum: 10_000,
      description: 'Sessions of an agent needed before history-based detectors fire (5).',
    }),
    step_limits: Type.Record(Type.String({ maxLength: 256 }), Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), {
      description: 'Configured step limit per agent; others derive one from history.',
    }),
    step_limit_multiplier: Type.Number({
      exclusiveMinimum: 1,
      maximum: 100,
      description: "Derived limit = ceil(p95 of the agent's steps × this) (1.5).",
    }),
    retry_loop_repeats: Type.Integer({
      minimum: 2,
      maximum: 10_000,
      description: 'Same tool with the same arguments this many times in one session (5).',
    }),
    error_rate_window_minutes: Type.Integer({ minimum: 1, maximum: 1440, description: 'Window of the error-rate check (15).' }),
    error_rate_min_sessions: Type.Integer({
      minimum: 1,
      maximum: 10_000,
      description: 'Sessions of the agent in the window needed to judge (5).',
    }),
    error_rate_threshold: Type.Number({
      minimum: 0,
      maximum: 1,
      description: 'Share of sessions with an error in the window that is a spike (0.3)…',
    }),
    error_rate_multiplier: Type.Number({
      minimum: 1,
      maximum: 1000,
      description: '…when it is also this × the baseline rate (3).',
    }),
  },
  { additionalProperties: false },
);
export type DetectorSettings = Static<typeof DetectorSettings>;

export const DetectorSettingsPatch = Type.Partial(DetectorSettings, { additionalProperties: false });
export type DetectorSettingsPatch = Static<typeof DetectorSettingsPatch>;
