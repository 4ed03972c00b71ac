import { rawSql } from '../src/testing.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_NS, MS, makeSpanRow, openTestStore } from '@cairn/testkit';
import { clusterMigrations, loadMigrations, type Store } from '../src/index.js';

/*
 * Migration 0007: `gen_ai.evaluation.result` span events (attribute names from
 * open-telemetry/semantic-conventions-genai model/gen-ai/events.yaml: gen_ai.evaluation.name,
 * gen_ai.evaluation.score.value, gen_ai.evaluation.score.label, gen_ai.evaluation.explanation)
 * become rows of `scores` in the same insert as their span, exactly once per batch token.
 */

let store: Store;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ store, cleanup } = await openTestStore({}, 'cairn-eval-scores-'));
});
afterAll(async () => cleanup());

const EV_NS = BASE_NS + 5n * MS;

function evalEvent(attributes: Record<string, unknown>, timeNs: bigint = EV_NS) {
  return { name: 'gen_ai.evaluation.result', time_ns: timeNs.toString(), attributes };
}

interface RawScore {
  session_id: string;
  span_id: string;
  score_id: string;
  name: string;
  data_type: string;
  value: number;
  string_value: string;
  comment: string;
  source: string;
  created_ms: number;
}

async function scoresOf(session: string): Promise<RawScore[]> {
  // No FINAL, no LIMIT BY: every physical row counts, so a duplicate would show.
  return rawSql(store).query<RawScore>(
    `SELECT session_id, span_id, score_id, name, data_type, value, string_value, comment, source,
            toUnixTimestamp64Milli(created_at) AS created_ms
     FROM scores WHERE project_id = 'p-eval' AND session_id = {s:String} ORDER BY score_id`,
    { s: session },
  );
}

describe('evaluation events become scores (eval_scores_mv)', () => {
  const span = makeSpanRow({
    project_id: 'p-eval',
    session_id: 'sess-eval',
    span_id: 'e1e1e1e1e1e1e1e1',
    kind: 'llm',
    events: JSON.stringify([
      { name: 'exception', time_ns: EV_NS.toString(), attributes: { 'exception.type': 'X' } },
      evalEvent({
        'gen_ai.evaluation.name': 'Relevance',
        'gen_ai.evaluation.score.value': 4.0,
        'gen_ai.evaluation.score.label': 'relevant',
        'gen_ai.evaluation.explanation': 'Answers the question.',
        'gen_ai.response.id': 'chatcmpl-123',
      }),
      evalEvent({ 'gen_ai.evaluation.name': 'IntentResolution', 'gen_ai.evaluation.score.label': 'pass' }, 0n),
      evalEvent({ 'gen_ai.evaluation.name': 'Faithfulness', 'gen_ai.evaluation.score.value': '0.25' }),
      // Not scores: no name; nothing to record.
      evalEvent({ 'gen_ai.evaluation.score.value': 1 }),
      evalEvent({ 'gen_ai.evaluation.name': 'Empty' }),
    ]),
  });

  it('writes one score per evaluation event, shaped for the scores table', async () => {
    await store.insertSpans([span], { dedupToken: 'eval-batch-1' });
    const rows = await scoresOf('sess-eval');
    const evMs = Number(EV_NS / MS);
    const endMs = Number(span.end_time_ns / MS);
    expect(rows).toEqual([
      {
        session_id: 'sess-eval',
        span_id: 'e1e1e1e1e1e1e1e1',
        score_id: 'eval-e1e1e1e1e1e1e1e1-1',
        name: 'Relevance',
        data_type: 'numeric',
        value: 4,
        string_value: 'relevant',
        comment: 'Answers the question.',
        source: 'eval',
        created_ms: evMs,
      },
      {
        session_id: 'sess-eval',
        span_id: 'e1e1e1e1e1e1e1e1',
        score_id: 'eval-e1e1e1e1e1e1e1e1-2',
        name: 'IntentResolution',
        data_type: 'categorical',
        value: 0,
        string_value: 'pass',
        comment: '',
        source: 'eval',
        created_ms: endMs,
      },
      {
        session_id: 'sess-eval',
        span_id: 'e1e1e1e1e1e1e1e1',
        score_id: 'eval-e1e1e1e1e1e1e1e1-3',
        name: 'Faithfulness',
        data_type: 'numeric',
        value: 0.25,
        string_value: '',
        comment: '',
        source: 'eval',
        created_ms: evMs,
      },
    ]);
  });

  it('a re-sent batch (same token) adds no second copy of the scores', async () => {
    await store.insertSpans([span], { dedupToken: 'eval-batch-1' });
    await store.insertSpans([span], { dedupToken: 'eval-batch-1' });
    expect(await scoresOf('sess-eval')).toHaveLength(3);
    const [n] = await rawSql(store).query<{ n: number }>(
      "SELECT count() AS n FROM spans WHERE project_id = 'p-eval' AND span_id = 'e1e1e1e1e1e1e1e1'",
    );
    expect(Number(n!.n)).toBe(1);
  });

  it('spans without evaluation events write no scores', async () => {
    await store.insertSpans(
      [
        makeSpanRow({ project_id: 'p-eval', session_id: 'sess-none', span_id: 'f1f1f1f1f1f1f1f1' }),
        makeSpanRow({
          project_id: 'p-eval',
          session_id: 'sess-none',
          span_id: 'f2f2f2f2f2f2f2f2',
          // The event name inside another value is not an event.
          events: JSON.stringify([{ name: 'note', time_ns: '1', attributes: { text: '"gen_ai.evaluation.result"' } }]),
        }),
      ],
      { dedupToken: 'eval-batch-2' },
    );
    expect(await scoresOf('sess-none')).toEqual([]);
  });
});

describe('eval_scores_mv on a cluster', () => {
  it('reads each shard’s spans_local into its scores_local, with the replicated dedup window', () => {
    const m = clusterMigrations(loadMigrations(), 'cairn').find((x) => x.name === '0007_eval_scores');
    expect(m).toBeDefined();
    const [alter, view] = m!.statements;
    expect(alter).toBe('ALTER TABLE scores_local ON CLUSTER cairn MODIFY SETTING replicated_deduplication_window = 10000');
    expect(view).toMatch(/^CREATE MATERIALIZED VIEW IF NOT EXISTS eval_scores_mv ON CLUSTER cairn TO scores_local AS/);
    expect(view).toMatch(/FROM spans_local\b/);
  });
});
