import { Type, type Static } from 'typebox';
import { TimeParam } from './api-bounds.js';

/**
 * `GET /api/calibration`: how the confidence an agent reported compares with the outcomes of its
 * steps (review decisions, correctness labels, LLM-as-judge scores). The rules that turn a score
 * into "correct" / "incorrect" are `CORRECT_LABELS`, `INCORRECT_LABELS` and `CORRECT_MIN_VALUE`
 * (in `@cairn/schemas/conventions`, so the dashboard can show them).
 */

export const CalibrationQuery = Type.Object(
  {
    agent: Type.Optional(
      Type.String({ minLength: 1, maxLength: 256, description: 'Agent name; every agent pooled when omitted.' }),
    ),
    from: Type.Optional(TimeParam('Steps starting at or after. Default: 30 days before `to`.')),
    to: Type.Optional(TimeParam('Steps starting before. Default: now.')),
    target: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        default: 0.05,
        description: 'Error rate allowed among the steps NOT escalated (0..1) for the recommended threshold.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type CalibrationQuery = Static<typeof CalibrationQuery>;

const rate = (description: string) => Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], { description });

export const CalibrationBin = Type.Object({
  lower: Type.Number({ description: 'Confidence bin lower bound (inclusive).' }),
  upper: Type.Number({ description: 'Upper bound (exclusive; the last bin includes 1).' }),
  count: Type.Integer(),
  mean_confidence: rate('Mean reported confidence of the steps in the bin; null when empty.'),
  accuracy: rate('Fraction of the steps in the bin judged correct; null when empty.'),
});
export type CalibrationBin = Static<typeof CalibrationBin>;

export const ThresholdRecommendation = Type.Object({
  threshold: Type.Union([Type.Number(), Type.Null()], {
    description:
      'Escalate steps with confidence below this. The lowest of the observed confidences that keeps the error rate ' +
      'of the steps at or above it within `target`; null when no threshold does (escalate everything).',
  }),
  review_load: rate('Fraction of the steps that the threshold escalates (confidence < threshold).'),
  kept: Type.Integer({ description: 'Steps not escalated.' }),
  kept_errors: Type.Integer({ description: 'Incorrect steps among those not escalated.' }),
  kept_error_rate: rate('kept_errors / kept.'),
});
export type ThresholdRecommendation = Static<typeof ThresholdRecommendation>;

export const AgreementLabel = Type.Object({
  label: Type.Enum(['correct', 'incorrect'], { description: "The human's verdict." }),
  count: Type.Integer({ description: 'Steps with this human verdict and a judge score.' }),
  agreed: Type.Integer({ description: 'Of those, steps where the judge said the same.' }),
  rate: rate('agreed / count.'),
});
export type AgreementLabel = Static<typeof AgreementLabel>;

export const JudgeAgreement = Type.Object({
  judge: Type.String({ description: 'The judge score name (e.g. the evaluation name).' }),
  count: Type.Integer(),
  agreed: Type.Integer(),
  rate: rate('agreed / count.'),
  by_label: Type.Array(AgreementLabel),
});
export type JudgeAgreement = Static<typeof JudgeAgreement>;

export const CalibrationResponse = Type.Object({
  agent: Type.Union([Type.String(), Type.Null()]),
  from: Type.String(),
  to: Type.String(),
  target: Type.Number(),
  agents: Type.Array(Type.String(), { description: 'Agents with at least one step that has a confidence and an outcome.' }),
  steps: Type.Integer({ description: 'Steps with a confidence and an outcome (N).' }),
  correct: Type.Integer(),
  accuracy: rate('correct / steps.'),
  mean_confidence: rate('Mean confidence of the steps.'),
  ece: rate('Expected calibration error: Σ n_b/N · |accuracy_b − mean_confidence_b| over the 10 bins; null when N = 0.'),
  bins: Type.Array(CalibrationBin, { description: 'Ten equal-width confidence bins, [0, 0.1) … [0.9, 1].' }),
  recommendation: ThresholdRecommendation,
  agreement: Type.Array(JudgeAgreement, {
    description: 'Per judge: how often its verdict matches the human one on steps that have both.',
  }),
});
export type CalibrationResponse = Static<typeof CalibrationResponse>;
