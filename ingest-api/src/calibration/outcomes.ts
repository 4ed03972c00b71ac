import { HUMAN_SCORE_SOURCES, JUDGE_SCORE_SOURCES, REVIEW_SCORE_NAMES, scoreVerdict } from '@cairn/schemas';
import type { StepOutcomeRow } from '@cairn/storage';

/** One step with the verdicts its scores carry (rules: `@cairn/schemas` outcomes.ts). */
export interface StepVerdicts {
  session_id: string;
  span_id: string;
  agent_name: string;
  confidence: number;
  /** The latest human correctness label, else the latest review decision, else null. */
  human: boolean | null;
  /** The latest verdict of each judge, by score name. */
  judges: Map<string, boolean>;
  /** The verdict calibration uses: human, else the latest judge's, else any other score's; null when none. */
  outcome: boolean | null;
}

/**
 * Folds score rows (ordered by step, then oldest first, as `listStepOutcomes` returns them) into
 * one entry per step. A later verdict of the same kind replaces an earlier one: a corrected
 * label is a new score (scores are append-only).
 */
export function stepVerdicts(rows: readonly StepOutcomeRow[]): StepVerdicts[] {
  type Acc = StepVerdicts & { decision: boolean | null; judge: boolean | null; other: boolean | null };
  const steps = new Map<string, Acc>();
  for (const r of rows) {
    const verdict = scoreVerdict(r.data_type, r.value, r.string_value);
    const key = `${r.session_id}\u0000${r.span_id}`;
    let s = steps.get(key);
    if (!s) {
      s = {
        session_id: r.session_id,
        span_id: r.span_id,
        agent_name: r.agent_name,
        confidence: r.confidence,
        human: null,
        judges: new Map(),
        outcome: null,
        decision: null,
        judge: null,
        other: null,
      };
      steps.set(key, s);
    }
    if (verdict === null) continue;
    // A reviewer's explicit label (`review.correct`) says more than the decision: "edit" may
    // fix a detail of a proposal the reviewer still calls correct.
    if (HUMAN_SCORE_SOURCES.includes(r.source)) {
      if (r.name === REVIEW_SCORE_NAMES.decision) s.decision = verdict;
      else s.human = verdict;
    } else if (JUDGE_SCORE_SOURCES.includes(r.source)) {
      s.judges.set(r.name, verdict);
      s.judge = verdict;
    } else s.other = verdict;
  }
  return [...steps.values()].map(({ decision, judge, other, ...s }) => {
    const human = s.human ?? decision;
    return { ...s, human, outcome: human ?? judge ?? other };
  });
}
