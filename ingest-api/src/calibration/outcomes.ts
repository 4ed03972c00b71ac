import { HUMAN_SCORE_SOURCES, JUDGE_SCORE_SOURCES, scoreVerdict } from '@cairn/schemas';
import type { StepOutcomeRow } from '@cairn/storage';

/** One step with the verdicts its scores carry (rules: `@cairn/schemas` outcomes.ts). */
export interface StepVerdicts {
  session_id: string;
  span_id: string;
  agent_name: string;
  confidence: number;
  /** The latest human verdict (review decision or label), or null. */
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
  const steps = new Map<string, StepVerdicts & { judge: boolean | null; other: boolean | null }>();
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
        judge: null,
        other: null,
      };
      steps.set(key, s);
    }
    if (verdict === null) continue;
    if (HUMAN_SCORE_SOURCES.includes(r.source)) s.human = verdict;
    else if (JUDGE_SCORE_SOURCES.includes(r.source)) {
      s.judges.set(r.name, verdict);
      s.judge = verdict;
    } else s.other = verdict;
  }
  return [...steps.values()].map(({ judge, other, ...s }) => ({ ...s, outcome: s.human ?? judge ?? other }));
}
