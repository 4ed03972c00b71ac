import type { CalibrationBin, JudgeAgreement, ThresholdRecommendation } from '@cairn/schemas';
import type { StepVerdicts } from './outcomes.js';

/** A step with a confidence in [0, 1] and a verdict. */
export interface LabeledStep {
  confidence: number;
  correct: boolean;
}

export const BIN_COUNT = 10;

/** Bin b holds confidences in [b/10, (b+1)/10); 1.0 goes into the last bin. */
export const binOf = (confidence: number): number => Math.min(Math.floor(confidence * BIN_COUNT), BIN_COUNT - 1);

const ratio = (n: number, d: number): number | null => (d === 0 ? null : n / d);

/** The reliability diagram: per bin, mean confidence, observed accuracy and count. */
export function reliabilityBins(steps: readonly LabeledStep[]): CalibrationBin[] {
  const sums = Array.from({ length: BIN_COUNT }, () => ({ n: 0, conf: 0, correct: 0 }));
  for (const s of steps) {
    const b = sums[binOf(s.confidence)]!;
    b.n += 1;
    b.conf += s.confidence;
    if (s.correct) b.correct += 1;
  }
  return sums.map((b, i) => ({
    lower: i / BIN_COUNT,
    upper: (i + 1) / BIN_COUNT,
    count: b.n,
    mean_confidence: ratio(b.conf, b.n),
    accuracy: ratio(b.correct, b.n),
  }));
}

/** Expected calibration error: Σ n_b/N · |accuracy_b − confidence_b|; null without steps. */
export function expectedCalibrationError(bins: readonly CalibrationBin[]): number | null {
  const total = bins.reduce((n, b) => n + b.count, 0);
  if (total === 0) return null;
  let ece = 0;
  for (const b of bins) {
    if (b.count === 0) continue;
    ece += (b.count / total) * Math.abs((b.accuracy ?? 0) - (b.mean_confidence ?? 0));
  }
  return ece;
}

/**
 * The threshold t (escalate steps with confidence < t) with the lowest review load such that the
 * error rate among the steps kept (confidence >= t) is at most `target`. Candidates are the
 * observed confidences: between two of them every t escalates the same steps, and the load only
 * grows with t, so the first candidate that meets the target, from the lowest, is the answer. The
 * kept error rate is not monotone in t, hence the full scan rather than a binary search.
 */
export function recommendThreshold(steps: readonly LabeledStep[], target: number): ThresholdRecommendation {
  const n = steps.length;
  if (n === 0) return { threshold: null, review_load: null, kept: 0, kept_errors: 0, kept_error_rate: null };
  const sorted = [...steps].sort((a, b) => a.confidence - b.confidence);
  const totalErrors = sorted.reduce((e, s) => e + (s.correct ? 0 : 1), 0);
  let below = 0;
  let belowErrors = 0;
  for (let i = 0; i < n;) {
    const t = sorted[i]!.confidence;
    const kept = n - below;
    const keptErrors = totalErrors - belowErrors;
    if (keptErrors / kept <= target) {
      return { threshold: t, review_load: below / n, kept, kept_errors: keptErrors, kept_error_rate: keptErrors / kept };
    }
    // Every step at this confidence moves below the next candidate together.
    for (; i < n && sorted[i]!.confidence === t; i++) {
      below += 1;
      if (!sorted[i]!.correct) belowErrors += 1;
    }
  }
  return { threshold: null, review_load: 1, kept: 0, kept_errors: 0, kept_error_rate: null };
}

/** Per judge: agreement with the human verdict on the steps that have both, overall and per human label. */
export function judgeAgreement(steps: readonly StepVerdicts[]): JudgeAgreement[] {
  const byJudge = new Map<string, { correct: [number, number]; incorrect: [number, number] }>();
  for (const s of steps) {
    if (s.human === null) continue;
    for (const [judge, verdict] of s.judges) {
      let a = byJudge.get(judge);
      if (!a) byJudge.set(judge, (a = { correct: [0, 0], incorrect: [0, 0] }));
      const cell = s.human ? a.correct : a.incorrect;
      cell[0] += 1;
      if (verdict === s.human) cell[1] += 1;
    }
  }
  return [...byJudge.entries()]
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([judge, a]) => {
      const count = a.correct[0] + a.incorrect[0];
      const agreed = a.correct[1] + a.incorrect[1];
      return {
        judge,
        count,
        agreed,
        rate: ratio(agreed, count),
        by_label: (['correct', 'incorrect'] as const).map((label) => ({
          label,
          count: a[label][0],
          agreed: a[label][1],
          rate: ratio(a[label][1], a[label][0]),
        })),
      };
    });
}
