import { rawSql } from '@cairn/storage/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { CalibrationResponse } from '@cairn/schemas';
import type { Store } from '@cairn/storage';
import { getJson, makeApp, makeProject, openTempStore, span, type TestProject } from './helpers.js';

/**
 * A crafted corpus: steps with known confidences and verdicts, stored through the real store
 * (spans + scores rows of every kind), and the calibration figures computed here independently.
 */
let store: Store;
let cleanup: () => Promise<void>;
let app: FastifyInstance;
let p: TestProject;

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
const ns = (ms: number): bigint => BigInt(ms) * 1_000_000n;
const chTime = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

/** [confidence, how many steps, how many of them correct]. */
const GROUPS: [number, number, number][] = [
  [0.15, 4, 1],
  [0.35, 4, 2],
  [0.55, 6, 3],
  [0.72, 6, 5],
  [0.82, 5, 4],
  [0.88, 5, 5],
  [0.95, 10, 10],
];

/** How a step's verdict is recorded; cycled over the corpus so every kind is exercised. */
type Kind = 'review' | 'human-bool' | 'judge-only' | 'review+judge' | 'corrected' | 'api-numeric';
const KINDS: Kind[] = ['review', 'human-bool', 'judge-only', 'review+judge', 'corrected', 'api-numeric'];

interface CorpusStep {
  session_id: string;
  span_id: string;
  confidence: number;
  correct: boolean;
  kind: Kind;
  /** The judge's verdict where a judge scored a step a human also decided. */
  judge?: boolean;
}

const corpus: CorpusStep[] = [];
for (const [conf, n, nCorrect] of GROUPS) {
  for (let i = 0; i < n; i++) {
    const idx = corpus.length;
    const correct = i < nCorrect;
    const kind = KINDS[idx % KINDS.length]!;
    corpus.push({
      session_id: `cal-${Math.floor(idx / 5)}`,
      span_id: (idx + 1).toString(16).padStart(16, '0'),
      confidence: conf,
      correct,
      kind,
      // The judge disagrees with the human on every third such step.
      ...(kind === 'review+judge' ? { judge: idx % 3 === 0 ? !correct : correct } : {}),
    });
  }
}

let scoreSeq = 0;
function scoreRow(
  s: { session_id: string; span_id: string },
  source: string,
  name: string,
  value: boolean | number | string,
  atMs: number,
  projectId = p.projectId,
): object {
  scoreSeq += 1;
  return {
    project_id: projectId,
    session_id: s.session_id,
    span_id: s.span_id,
    score_id: `score-${scoreSeq}`,
    name,
    data_type: typeof value === 'boolean' ? 'boolean' : typeof value === 'number' ? 'numeric' : 'categorical',
    value: typeof value === 'boolean' ? (value ? 1 : 0) : typeof value === 'number' ? value : 0,
    string_value: typeof value === 'string' ? value : '',
    comment: '',
    source,
    created_at: chTime(atMs),
  };
}

function scoresOf(s: CorpusStep): object[] {
  const at = T0 + 60_000;
  switch (s.kind) {
    case 'review':
      return [scoreRow(s, 'review', 'review.decision', s.correct ? 'Approve ' : 'reject', at)];
    case 'human-bool':
      return [scoreRow(s, 'human', 'correct', s.correct, at)];
    case 'judge-only':
      return [scoreRow(s, 'eval', 'judge-a', s.correct ? 0.9 : 0.1, at)];
    case 'review+judge':
      return [
        // The reviewer's label wins over a later "edit" decision (which alone would read incorrect).
        scoreRow(s, 'eval', 'judge-b', s.judge! ? 'pass' : 'fail', at),
        scoreRow(s, 'review', 'review.correct', s.correct, at + 1000),
        scoreRow(s, 'review', 'review.decision', 'edit', at + 2000),
      ];
    case 'corrected':
      // The first label said the opposite; the later one is the verdict. A 1..5 rating is no verdict.
      return [
        scoreRow(s, 'human', 'label', s.correct ? 'wrong' : 'right', at),
        scoreRow(s, 'human', 'stars', 4, at + 500),
        scoreRow(s, 'human', 'label', s.correct ? 'right' : 'wrong', at + 1000),
      ];
    case 'api-numeric':
      return [scoreRow(s, 'api', 'quality', s.correct ? 0.75 : 0.25, at), scoreRow(s, 'api', 'tone', 'friendly', at)];
  }
}

beforeAll(async () => {
  ({ store, cleanup } = await openTempStore());
  p = await makeProject(store, 'proj-cal');
  const other = await makeProject(store, 'proj-other');
  const spans = corpus.map((s, i) =>
    span({
      project_id: p.projectId,
      session_id: s.session_id,
      span_id: s.span_id,
      agent_name: 'triage',
      confidence: s.confidence,
      start_time_ns: ns(T0 + i * 1000),
      end_time_ns: ns(T0 + i * 1000 + 10),
    }),
  );
  const extra = (id: number, over: Parameters<typeof span>[0] extends infer T ? Partial<T> : never) =>
    span({ project_id: p.projectId, session_id: 'noise', span_id: `e${id}`.padStart(16, '0'), ...over });
  // Noise that must not count: another agent, a step without confidence, one outside the range,
  // one with a confidence but no score, and the same ids in another project.
  spans.push(
    extra(1, { agent_name: 'other', confidence: 0.1, start_time_ns: ns(T0) }),
    extra(2, { agent_name: 'triage', confidence: null, start_time_ns: ns(T0) }),
    extra(3, { agent_name: 'triage', confidence: 0.99, start_time_ns: ns(T0 - 10 * 86_400_000) }),
    extra(4, { agent_name: 'triage', confidence: 0.05, start_time_ns: ns(T0) }),
    span({ ...spans[0]!, project_id: other.projectId, confidence: 0.99 }),
    // No confidence on the span, but the SDK's escalation of that step carried one (review_items).
    extra(5, { agent_name: 'escalator', confidence: null, start_time_ns: ns(T0) }),
  );
  // Twice: the reads must collapse duplicate span rows (exporter retries).
  await store.insertSpans(spans);
  await store.insertSpans(spans.slice(0, 5));
  const at = T0 + 60_000;
  const noiseScores = [
    scoreRow({ session_id: 'noise', span_id: 'e1'.padStart(16, '0') }, 'review', 'review.decision', 'reject', at),
    scoreRow({ session_id: 'noise', span_id: 'e2'.padStart(16, '0') }, 'review', 'review.decision', 'reject', at),
    scoreRow({ session_id: 'noise', span_id: 'e3'.padStart(16, '0') }, 'review', 'review.decision', 'reject', at),
    scoreRow({ session_id: 'noise', span_id: '' }, 'review', 'session-level', 'reject', at),
    scoreRow(corpus[0]!, 'review', 'review.decision', corpus[0]!.correct ? 'reject' : 'approve', at, other.projectId),
  ];
  await rawSql(store).insertRows('scores', [
    ...corpus.flatMap(scoresOf),
    ...noiseScores,
    scoreRow({ session_id: 'noise', span_id: 'e5'.padStart(16, '0') }, 'review', 'review.decision', 'reject', at),
  ]);
  await rawSql(store).insertRows('review_items', [
    {
      project_id: p.projectId,
      item_id: 'item-e5',
      session_id: 'noise',
      span_id: 'e5'.padStart(16, '0'),
      agent_name: 'escalator',
      reason: 'unsure',
      source: 'sdk',
      confidence: 0.33,
      status: 'decided',
      created_at: chTime(T0),
      version: 1,
    },
  ]);
  app = await makeApp(store);
});

afterAll(async () => {
  await app?.close();
  await cleanup?.();
});

const range = `from=${new Date(T0 - 86_400_000).toISOString()}&to=${new Date(T0 + 86_400_000).toISOString()}`;
const get = (q: string) => getJson<CalibrationResponse>(app, `/api/calibration?${range}&${q}`, p.admin);

/** The expected figures, computed the plain way from the corpus definition. */
function expected(target: number) {
  const n = corpus.length;
  const bins = [];
  let ece = 0;
  for (let b = 0; b < 10; b++) {
    const lo = b / 10;
    const hi = (b + 1) / 10;
    const inBin = corpus.filter((s) => s.confidence >= lo && (b === 9 ? s.confidence <= 1 : s.confidence < hi));
    const conf = inBin.length ? inBin.reduce((a, s) => a + s.confidence, 0) / inBin.length : null;
    const acc = inBin.length ? inBin.filter((s) => s.correct).length / inBin.length : null;
    if (inBin.length) ece += (inBin.length / n) * Math.abs(acc! - conf!);
    bins.push({ count: inBin.length, conf, acc });
  }
  // Brute force: every observed confidence as t; keep the feasible ones; the lowest load wins.
  let best: { t: number; load: number } | null = null;
  for (const t of new Set(corpus.map((s) => s.confidence))) {
    const kept = corpus.filter((s) => s.confidence >= t);
    const errorRate = kept.filter((s) => !s.correct).length / kept.length;
    const load = (n - kept.length) / n;
    if (errorRate <= target && (best === null || load < best.load)) best = { t, load };
  }
  return { n, correct: corpus.filter((s) => s.correct).length, bins, ece, best };
}

describe('GET /api/calibration on a crafted corpus', () => {
  it('reliability bins, ECE and counts match the independent computation', async () => {
    const { status, body } = await get('agent=triage');
    expect(status, JSON.stringify(body)).toBe(200);
    const want = expected(0.05);
    expect(body.steps).toBe(want.n);
    expect(body.correct).toBe(want.correct);
    expect(body.bins).toHaveLength(10);
    body.bins.forEach((b, i) => {
      expect(b.count).toBe(want.bins[i]!.count);
      if (want.bins[i]!.count === 0) {
        expect(b.mean_confidence).toBeNull();
        expect(b.accuracy).toBeNull();
      } else {
        expect(b.mean_confidence).toBeCloseTo(want.bins[i]!.conf!, 12);
        expect(b.accuracy).toBeCloseTo(want.bins[i]!.acc!, 12);
      }
    });
    expect(body.ece).toBeCloseTo(want.ece, 12);
    // By hand for this corpus (bins 1, 3, 5, 7, 8 holding 0.82 and 0.88, 9): (|0.25−0.15|·4 + |0.5−0.35|·4
    // + |0.5−0.55|·6 + |5/6−0.72|·6 + |0.9−0.85|·10 + |1−0.95|·10) / 40 = 2.98 / 40.
    expect(body.ece).toBeCloseTo(2.98 / 40, 12);
    expect(body.agents).toEqual(['escalator', 'other', 'triage']);
  });

  it('recommends the lowest-load threshold that keeps errors within the target', async () => {
    for (const [target, threshold] of [
      [0.05, 0.82],
      [0.1, 0.72],
      [0.01, 0.88],
      [0.3, 0.15],
    ] as const) {
      const { body } = await get(`agent=triage&target=${target}`);
      const want = expected(target);
      expect(want.best?.t).toBe(threshold);
      expect(body.target).toBe(target);
      expect(body.recommendation.threshold).toBe(threshold);
      expect(body.recommendation.review_load).toBeCloseTo(want.best!.load, 12);
      const kept = corpus.filter((s) => s.confidence >= threshold);
      expect(body.recommendation.kept).toBe(kept.length);
      expect(body.recommendation.kept_errors).toBe(kept.filter((s) => !s.correct).length);
    }
    // The default target is 5 %.
    expect((await get('agent=triage')).body.recommendation.threshold).toBe(0.82);
  });

  it('a 0 % target keeps only error-free tops; none when even the most confident steps miss it', async () => {
    const { body } = await get('agent=triage&target=0');
    expect(body.recommendation).toMatchObject({ threshold: 0.88, kept: 15, kept_errors: 0, review_load: 25 / 40 });
    const other = await get('agent=other&target=0');
    expect(other.body.steps).toBe(1);
    expect(other.body.recommendation).toMatchObject({ threshold: null, review_load: 1, kept: 0 });
  });

  it('judge agreement with humans, per judge and per human label', async () => {
    const { body } = await get('agent=triage');
    const both = corpus.filter((s) => s.kind === 'review+judge');
    expect(both.length).toBeGreaterThan(2);
    const count = (human: boolean) => both.filter((s) => s.correct === human).length;
    const agreed = (human: boolean) => both.filter((s) => s.correct === human && s.judge === human).length;
    expect(body.agreement).toEqual([
      {
        judge: 'judge-b',
        count: both.length,
        agreed: agreed(true) + agreed(false),
        rate: (agreed(true) + agreed(false)) / both.length,
        by_label: [
          { label: 'correct', count: count(true), agreed: agreed(true), rate: count(true) ? agreed(true) / count(true) : null },
          {
            label: 'incorrect',
            count: count(false),
            agreed: agreed(false),
            rate: count(false) ? agreed(false) / count(false) : null,
          },
        ],
      },
    ]);
    // judge-a scored only steps no human decided: no agreement row.
    expect(body.agreement.some((a) => a.judge === 'judge-a')).toBe(false);
    expect(both.some((s) => s.judge !== s.correct)).toBe(true);
  });

  it("takes a step's confidence from its escalation when the span reported none", async () => {
    const { body } = await get('agent=escalator');
    expect(body).toMatchObject({ steps: 1, correct: 0, mean_confidence: 0.33 });
    expect(body.bins[3]).toMatchObject({ count: 1, mean_confidence: 0.33, accuracy: 0 });
  });

  it('pools every agent without `agent`; an empty range has no figures', async () => {
    const all = await get('');
    expect(all.body.agent).toBeNull();
    expect(all.body.steps).toBe(corpus.length + 2);
    const empty = await getJson<CalibrationResponse>(
      app,
      `/api/calibration?from=${T0 + 2 * 86_400_000}&to=${T0 + 3 * 86_400_000}`,
      p.admin,
    );
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ steps: 0, ece: null, accuracy: null, agents: [], agreement: [] });
    expect(empty.body.recommendation).toEqual({
      threshold: null,
      review_load: null,
      kept: 0,
      kept_errors: 0,
      kept_error_rate: null,
    });
  });

  it('bad input is a 400 with a code', async () => {
    for (const q of ['target=2', 'target=-0.1', 'target=abc', 'from=yesterday', 'bogus=1', `from=${T0}&to=${T0}`]) {
      const { status, body } = await getJson(app, `/api/calibration?${q}`, p.admin);
      expect(status, q).toBe(400);
      expect((body as { error: { code: string } }).error.code, q).toMatch(/^CAIRN_/);
    }
  });
});
