import { lazy, Suspense, useMemo, useState } from 'react';
import { CORRECT_LABELS, CORRECT_MIN_VALUE, INCORRECT_LABELS } from '@cairn/schemas/conventions';
import { api, ApiError, qs } from '../../api/client';
import type { CalibrationResponse, ReviewThresholdList } from '../../api/types';
import { ErrorBox, Skeleton } from '../../components/common';
import { Select } from '../../components/field';
import { count } from '../../lib/format';
import { useApi } from '../../lib/use-api';
import { useParamSetter } from '../../lib/use-param';
import { Segmented } from '../../components/segmented';
import { AgreementTable, BinsTable } from './calibration-tables';

const ReliabilityChart = lazy(() => import('./reliability-chart'));

const RANGES = { '7d': 7, '30d': 30, '90d': 90 } as const;
const pct = (r: number | null | undefined, digits = 1) => (r === null || r === undefined ? '—' : `${(r * 100).toFixed(digits)}%`);

/** Thresholds route from the review queue; null when this server has none. */
async function loadThresholds(signal: AbortSignal): Promise<ReviewThresholdList | null> {
  try {
    return await api<ReviewThresholdList>('/api/reviews/thresholds', { signal });
  } catch (e) {
    if (e instanceof ApiError && e.unavailable) return null;
    throw e;
  }
}

export default function CalibrationPage() {
  const [params, set] = useParamSetter();
  const agent = params.get('agent') ?? '';
  const targetPct = Number(params.get('target') ?? '5');
  const target = Number.isFinite(targetPct) && targetPct >= 0 && targetPct <= 100 ? targetPct / 100 : 0.05;
  const range = (params.get('range') ?? '30d') as keyof typeof RANGES;
  const days = RANGES[range] ?? 30;
  const from = useMemo(() => new Date(Date.now() - days * 86_400_000).toISOString(), [days]);

  const cal = useApi<CalibrationResponse>(`cal-${agent}-${target}-${from}`, (signal) =>
    api(`/api/calibration${qs({ agent, target, from })}`, { signal }),
  );
  const thresholds = useApi<ReviewThresholdList | null>('thresholds', loadThresholds);
  const [saving, setSaving] = useState<string>();
  const d = cal.data;
  const rec = d?.recommendation;
  const current = thresholds.data?.thresholds.find((t) => t.agent === agent);

  async function applyThreshold(value: number) {
    setSaving('saving…');
    try {
      await api('/api/reviews/thresholds', { method: 'PUT', json: { agent, threshold: value } });
      setSaving(`set to ${value.toFixed(2)}`);
      thresholds.reload();
    } catch (e) {
      setSaving(`could not set it: ${(e as Error).message}`);
    }
  }

  return (
    <div data-testid="calibration-page">
      <div className="page-head">
        <h1>Calibration</h1>
        <Select
          label="agent"
          testId="cal-agent"
          value={agent}
          onChange={(a) => set('agent', a)}
          any="all agents"
          options={[...new Set([...(d?.agents ?? []), ...(agent ? [agent] : [])])]}
        />
        <span className="grow" />
        <label className="row gap small">
          target error rate
          <input
            type="number"
            min={0}
            max={100}
            step={0.5}
            style={{ width: 64 }}
            value={Math.round(target * 1000) / 10}
            onChange={(e) => set('target', e.target.value)}
            data-testid="cal-target"
          />
          %
        </label>
        <Segmented label="range" options={Object.keys(RANGES)} value={range} onChange={(r) => set('range', r)} />
      </div>
      {cal.error ? <ErrorBox error={cal.error} retry={cal.reload} what="calibration" /> : null}
      {!d && !cal.error ? <Skeleton rows={8} /> : null}
      {d && d.steps === 0 ? (
        <div className="empty" data-testid="cal-empty">
          <h3>No scored steps with a confidence{agent ? ` for ${agent}` : ''} in this range</h3>
          <p className="muted">
            Calibration needs steps that report a confidence (<span className="mono">cairn.confidence</span>) and an outcome: a
            review decision, a correctness label or a judge score (<span className="mono">gen_ai.evaluation.result</span>).
          </p>
        </div>
      ) : null}
      {d && d.steps > 0 ? (
        <>
          <div className="cards">
            <div className="card kpi">
              <label>Expected calibration error</label>
              <div className="value" data-testid="ece" data-ece={d.ece ?? ''}>
                {pct(d.ece)}
              </div>
              <div className="small muted">Σ n_b/N · |accuracy − confidence| over 10 bins</div>
            </div>
            <div className="card kpi">
              <label>Steps with an outcome</label>
              <div className="value">{count(d.steps)}</div>
              <div className="small muted">
                {pct(d.accuracy)} correct · mean confidence {pct(d.mean_confidence)}
              </div>
            </div>
            <div className="card kpi" data-testid="recommendation">
              <label>Recommended threshold (errors ≤ {pct(d.target)})</label>
              <div className="value" data-testid="rec-threshold">
                {rec?.threshold === null || rec?.threshold === undefined ? 'none' : rec.threshold.toFixed(2)}
              </div>
              <div className="small muted">
                {rec?.threshold === null
                  ? 'no threshold keeps errors within the target: review everything'
                  : `review load ${pct(rec?.review_load)} · errors kept ${pct(rec?.kept_error_rate)} (${rec?.kept_errors} of ${rec?.kept})`}
              </div>
              {thresholds.data !== null ? (
                <div className="row gap small">
                  <span className="muted" data-testid="current-threshold">
                    current: {current ? current.threshold.toFixed(2) : 'none'}
                  </span>
                  <button
                    type="button"
                    className="primary"
                    disabled={!agent || rec?.threshold === null || rec?.threshold === undefined}
                    title={agent ? undefined : 'Pick an agent first'}
                    onClick={() => rec?.threshold !== null && rec?.threshold !== undefined && void applyThreshold(rec.threshold)}
                    data-testid="apply-threshold"
                  >
                    Set as {agent || 'agent'}’s threshold
                  </button>
                  {saving ? <span className="muted">{saving}</span> : null}
                </div>
              ) : null}
            </div>
          </div>
          <div className="card chart-card section">
            <h2>Reliability diagram</h2>
            <div className="chart-body" data-testid="reliability-chart">
              <Suspense fallback={<Skeleton rows={6} />}>
                <ReliabilityChart bins={d.bins} threshold={rec?.threshold ?? null} />
              </Suspense>
            </div>
          </div>
          <BinsTable bins={d.bins} />
          <AgreementTable agreement={d.agreement} />
        </>
      ) : null}
      <p className="small muted">
        Correct: a boolean true, a number ≥ {CORRECT_MIN_VALUE} in [0, 1], or a label among {CORRECT_LABELS.join(', ')}.
        Incorrect: false, a number below {CORRECT_MIN_VALUE}, or {INCORRECT_LABELS.join(', ')}. A reviewer’s verdict wins over a
        judge’s.
      </p>
    </div>
  );
}
