import type { Score, SessionCaps, SessionSummary } from '@cairn/schemas';
import type { Store } from '../store.js';
import { ANOMALIES_SQL, knownTypes, type AnomalyRow } from './session-anomalies.js';
import { capsOf, capsStatement, type CapsRow } from './session-caps.js';
import { SCORES_SQL, toScore, type ScoreRow } from './scores.js';
import { SESSION_SUMMARIES_SQL, toSummary, type SummaryRow } from './session-list.js';
import { queryParts } from './statement-parts.js';
import { TITLES_SQL, titleOf, type TitleRow } from './session-titles.js';

/** What the replay shows above its steps. */
export interface SessionHead {
  summary: SessionSummary;
  /** The session's start in nanoseconds (the steps' offsets). */
  startNs: bigint;
  caps: SessionCaps | null;
  scores: Score[];
}

/**
 * The parts of the head statement (`queryParts`), by index: the session's rollup row, then the
 * statements of `anomaliesOf`, `titlesOf`, `getSessionCaps` and `listScores`, so the paths cannot
 * drift; they share the parameters `p` (project), `id` / `ids` (the session). One statement
 * instead of five: each would pay chDB's fixed cost, and on a busy machine wait for a core again.
 */
const PARTS = [SESSION_SUMMARIES_SQL, ANOMALIES_SQL, TITLES_SQL, capsStatement().sql, SCORES_SQL] as const;
const [SUMMARY, ANOMALIES, TITLE, CAPS, SCORES] = [0, 1, 2, 3, 4] as const;

/** The replay's head (summary with anomaly flags and title, caps, scores) in one statement. Undefined when the project has no such session. */
export async function getSessionHead(store: Store, projectId: string, sessionId: string): Promise<SessionHead | undefined> {
  const { params: capKeys } = capsStatement();
  const parts = await queryParts(store, PARTS, { ...capKeys, p: projectId, id: sessionId, ids: [sessionId] });
  const summary = parts[SUMMARY]![0] as SummaryRow | undefined;
  if (!summary) return undefined;
  const anomalies = parts[ANOMALIES]![0] as AnomalyRow | undefined;
  // A UNION ALL branch keeps no order across the union: scores are put back in listScores' order.
  const scores = (parts[SCORES] as ScoreRow[])
    .sort(
      (a, b) => Number(a.created_ms) - Number(b.created_ms) || (a.score_id < b.score_id ? -1 : a.score_id > b.score_id ? 1 : 0),
    )
    .map(toScore);
  return {
    summary: toSummary(summary, knownTypes(anomalies?.types ?? []), titleOf(parts[TITLE]![0] as TitleRow | undefined)),
    startNs: BigInt(summary.s_start),
    caps: capsOf(parts[CAPS]![0] as CapsRow | undefined),
    scores,
  };
}
