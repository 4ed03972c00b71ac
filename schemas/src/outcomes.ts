/**
 * What counts as a correct step, for confidence calibration (`GET /api/calibration`) and the
 * judge-vs-human agreement. A score on a step (`scores` row with a `span_id`) is an outcome when
 * it can be read as a verdict:
 * - boolean: true = correct;
 * - numeric in [0, 1]: correct when value >= CORRECT_MIN_VALUE (0.5); values outside [0, 1]
 *   (a 1..5 rating, a latency) are not verdicts and are ignored;
 * - categorical: the label, lower-cased and trimmed, in CORRECT_LABELS or INCORRECT_LABELS;
 *   any other label is ignored. A review decision counts: "approve" is correct, "reject" and
 *   "edit" (the reviewer had to change the proposed action) are incorrect.
 */
export const CORRECT_MIN_VALUE = 0.5;

export const CORRECT_LABELS: readonly string[] = [
  'correct',
  'pass',
  'passed',
  'true',
  'yes',
  'good',
  'approve',
  'approved',
  'accurate',
  'right',
];

export const INCORRECT_LABELS: readonly string[] = [
  'incorrect',
  'fail',
  'failed',
  'false',
  'no',
  'bad',
  'reject',
  'rejected',
  'edit',
  'edited',
  'inaccurate',
  'wrong',
  'hallucinated',
];

/**
 * Score sources whose verdict is a person's (a review decision or a human label); `eval` is a
 * judge's (LLM-as-judge, `gen_ai.evaluation.result`). Other sources (`api`) count as outcomes
 * only when no human or judge verdict exists on the step.
 */
export const HUMAN_SCORE_SOURCES: readonly string[] = ['review', 'human'];
export const JUDGE_SCORE_SOURCES: readonly string[] = ['eval'];

/** The verdict a score carries, or null when it carries none (see the rules above). */
export function scoreVerdict(dataType: string, value: number, label: string): boolean | null {
  if (dataType === 'boolean') return value !== 0;
  if (dataType === 'numeric') {
    if (!Number.isFinite(value) || value < 0 || value > 1) return null;
    return value >= CORRECT_MIN_VALUE;
  }
  const l = label.trim().toLowerCase();
  if (CORRECT_LABELS.includes(l)) return true;
  if (INCORRECT_LABELS.includes(l)) return false;
  return null;
}
