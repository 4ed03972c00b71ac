import type { CalibrationResponse } from '@cairn/schemas';
import { expectedCalibrationError, judgeAgreement, recommendThreshold, reliabilityBins, type LabeledStep } from './metrics.js';
import type { StepVerdicts } from './outcomes.js';

export { stepVerdicts } from './outcomes.js';
export type { StepVerdicts } from './outcomes.js';
export { BIN_COUNT, binOf, reliabilityBins, expectedCalibrationError, recommendThreshold, judgeAgreement } from './metrics.js';
export type { LabeledStep } from './metrics.js';

/** Every figure of the calibration view from the steps' verdicts (the route adds range and agents). */
export function calibrationFigures(
  steps: readonly StepVerdicts[],
  target: number,
): Pick<
  CalibrationResponse,
  'steps' | 'correct' | 'accuracy' | 'mean_confidence' | 'ece' | 'bins' | 'recommendation' | 'agreement'
> {
  const labeled: LabeledStep[] = [];
  for (const s of steps) if (s.outcome !== null) labeled.push({ confidence: s.confidence, correct: s.outcome });
  const n = labeled.length;
  const correct = labeled.filter((s) => s.correct).length;
  const bins = reliabilityBins(labeled);
  return {
    steps: n,
    correct,
    accuracy: n === 0 ? null : correct / n,
    mean_confidence: n === 0 ? null : labeled.reduce((c, s) => c + s.confidence, 0) / n,
    ece: expectedCalibrationError(bins),
    bins,
    recommendation: recommendThreshold(labeled, target),
    agreement: judgeAgreement(steps),
  };
}
