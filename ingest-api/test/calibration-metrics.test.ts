import { describe, expect, it } from 'vitest';
import { seededRandom } from '@cairn/testkit';
import {
  binOf,
  expectedCalibrationError,
  recommendThreshold,
  reliabilityBins,
  type LabeledStep,
} from '../src/calibration/index.js';

/**
 * The threshold search and the ECE against brute force on many seeded random corpora (the API
 * test checks one crafted corpus end to end through the store).
 */
function bruteThreshold(steps: LabeledStep[], target: number): number | null {
  let best: { t: number; load: number } | null = null;
  for (const { confidence: t } of steps) {
    const kept = steps.filter((s) => s.confidence >= t);
    const load = (steps.length - kept.length) / steps.length;
    if (kept.filter((s) => !s.correct).length / kept.length <= target && (best === null || load < best.load)) {
      best = { t, load };
    }
  }
  return best?.t ?? null;
}

function bruteEce(steps: LabeledStep[]): number {
  let ece = 0;
  for (let b = 0; b < 10; b++) {
    const xs = steps.filter((s) => s.confidence >= b / 10 && (b === 9 || s.confidence < (b + 1) / 10));
    if (!xs.length) continue;
    const conf = xs.reduce((a, s) => a + s.confidence, 0) / xs.length;
    const acc = xs.filter((s) => s.correct).length / xs.length;
    ece += (xs.length / steps.length) * Math.abs(acc - conf);
  }
  return ece;
}

describe('calibration metrics', () => {
  it('match brute force on 300 seeded random corpora (ties, few and many steps, several targets)', () => {
    const rnd = seededRandom(13);
    for (let k = 0; k < 300; k++) {
      const n = 1 + Math.floor(rnd() * 60);
      // Coarse confidences give ties; the outcome follows the confidence with noise.
      const grid = k % 2 === 0 ? 20 : 1000;
      const steps: LabeledStep[] = Array.from({ length: n }, () => {
        const confidence = Math.round(rnd() * grid) / grid;
        return { confidence, correct: rnd() < confidence * 0.9 + 0.1 };
      });
      for (const target of [0, 0.05, 0.2]) {
        expect(recommendThreshold(steps, target).threshold, `corpus ${k} target ${target}`).toBe(bruteThreshold(steps, target));
      }
      expect(expectedCalibrationError(reliabilityBins(steps))).toBeCloseTo(bruteEce(steps), 12);
    }
  });

  it('bins: edges go up, 1.0 goes into the last bin', () => {
    expect([0, 0.1, 0.3, 0.7, 0.9, 0.99, 1].map(binOf)).toEqual([0, 1, 3, 7, 9, 9, 9]);
  });

  it('a perfectly calibrated corpus has ECE 0; an always-wrong confident one has ECE = its confidence', () => {
    const perfect: LabeledStep[] = [
      ...Array.from({ length: 4 }, (_, i) => ({ confidence: 0.25, correct: i === 0 })),
      ...Array.from({ length: 4 }, (_, i) => ({ confidence: 0.75, correct: i !== 0 })),
    ];
    expect(expectedCalibrationError(reliabilityBins(perfect))).toBeCloseTo(0, 12);
    const wrong = Array.from({ length: 5 }, () => ({ confidence: 0.9, correct: false }));
    expect(expectedCalibrationError(reliabilityBins(wrong))).toBeCloseTo(0.9, 12);
    expect(recommendThreshold(wrong, 0.05)).toEqual({
      threshold: null,
      review_load: 1,
      kept: 0,
      kept_errors: 0,
      kept_error_rate: null,
    });
    expect(expectedCalibrationError(reliabilityBins([]))).toBeNull();
  });
});
