import { lazy, Suspense, useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, qs } from '../../api/client';
import type { CostModelResponse, CostsResponse } from '../../api/types';
import { ErrorBox, Skeleton } from '../../components/common';
import { Field, Select } from '../../components/field';
import { count, money } from '../../lib/format';
import { useApi } from '../../lib/use-api';

// recharts lives in this lazily loaded chunk only.
const Charts = lazy(() => import('./cost-model-charts'));

const RANGES = { '7d': 7, '30d': 30, '90d': 90 } as const;
const DAY = 86_400_000;

/** A whole-number percent control bound to a URL parameter (the API takes fractions). */
function PercentInput({
  id,
  label,
  value,
  onChange,
}: {
  id: string;
  label: string;
  value: number;
  onChange: (v: number) => void;
}) {
  const [text, setText] = useState(String(value));
  const commit = (t: string) => {
    const n = Number(t);
    if (t.trim() !== '' && Number.isFinite(n) && n >= 0 && n <= 100) onChange(n);
    else setText(String(value));
  };
  return (
    <Field id={id} label={label} className="cm-field">
      <input
        id={id}
        type="number"
        min={0}
        max={100}
        step={1}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onBlur={(e) => commit(e.target.value)}
        onKeyDown={(e) => e.key === 'Enter' && commit((e.target as HTMLInputElement).value)}
      />
    </Field>
  );
}

/** A workflow or agent select; "" is any. */
function NamePicker(p: { id: string; label: string; value: string; names: string[]; onChange: (v: string) => void }) {
  return (
    <Field id={p.id} label={p.label} className="cm-field">
      <Select id={p.id} value={p.value} onChange={p.onChange} any="any" options={p.names} />
    </Field>
  );
}

function Figure({ label, value, sub, testId }: { label: string; value: string; sub?: string; testId: string }) {
  return (
    <div className="card kpi" data-testid={testId}>
      <label>{label}</label>
      <div className="value">{value}</div>
      {sub ? <div className="small muted">{sub}</div> : null}
    </div>
  );
}

export default function CostModelPage() {
  const [params, setParams] = useSearchParams();
  const workflow = params.get('workflow') ?? '';
  const agent = params.get('agent') ?? '';
  const range = (params.get('range') ?? '30d') as keyof typeof RANGES;
  const days = RANGES[range] ?? 30;
  const edgePct = Number(params.get('edge') ?? 10);
  const failPct = Number(params.get('fail') ?? 15);
  const runs = Number(params.get('runs') ?? 10_000);
  const set = (k: string, v: string) =>
    setParams(
      (p) => {
        const n = new URLSearchParams(p);
        if (v === '') n.delete(k);
        else n.set(k, v);
        return n;
      },
      { replace: true },
    );
  const from = useMemo(() => new Date(Date.now() - days * DAY).toISOString(), [days]);

  // The workflows and agents with spend in the range, for the pickers.
  const names = useApi<[CostsResponse, CostsResponse]>(`names-${from}`, (signal) =>
    Promise.all([
      api<CostsResponse>(`/api/costs${qs({ from, bucket: 'day', group_by: 'workflow', limit: 200 })}`, { signal }),
      api<CostsResponse>(`/api/costs${qs({ from, bucket: 'day', group_by: 'agent', limit: 200 })}`, { signal }),
    ]),
  );
  const keysOf = (r: CostsResponse | undefined) => (r?.groups ?? []).map((g) => g.key).filter((k) => k !== '' && k !== '(other)');

  const query = qs({
    workflow: workflow || undefined,
    agent: agent || undefined,
    from,
    edge_rate: edgePct / 100,
    failure_rate: failPct / 100,
    runs_per_month: runs,
  });
  const model = useApi<CostModelResponse>(`cm${query}`, (signal) => api(`/api/cost-model${query}`, { signal }));
  const r = model.data;
  const exportUrl = (format: 'csv' | 'json') => `/api/cost-model/export${query}&format=${format}`;

  return (
    <div data-testid="cost-model-page">
      <div className="page-head">
        <h1>Cost model</h1>
        <span className="grow" />
        <div className="seg" role="group" aria-label="range">
          {Object.keys(RANGES).map((k) => (
            <button key={k} type="button" className={range === k ? 'on' : undefined} onClick={() => set('range', k)}>
              {k}
            </button>
          ))}
        </div>
      </div>
      <p className="muted small">
        What a run costs when inputs are as expected, when some need replanning, and when tool calls fail — resampled from the
        recorded runs. The gap between the failure and the expected case, times the run volume, is the risk exposure.
      </p>
      <div className="card section cm-controls">
        <NamePicker
          id="cm-workflow"
          label="Workflow"
          value={workflow}
          names={keysOf(names.data?.[0])}
          onChange={(v) => set('workflow', v)}
        />
        <NamePicker id="cm-agent" label="Agent" value={agent} names={keysOf(names.data?.[1])} onChange={(v) => set('agent', v)} />
        <PercentInput id="cm-edge" label="Edge inputs (replanning) %" value={edgePct} onChange={(v) => set('edge', String(v))} />
        <PercentInput id="cm-fail" label="Failing tool calls %" value={failPct} onChange={(v) => set('fail', String(v))} />
        <div className="cm-field">
          <label htmlFor="cm-runs">Runs per month</label>
          <input
            id="cm-runs"
            type="number"
            min={0}
            step={1000}
            defaultValue={runs}
            onBlur={(e) => Number.isInteger(Number(e.target.value)) && Number(e.target.value) >= 0 && set('runs', e.target.value)}
            onKeyDown={(e) => e.key === 'Enter' && (e.target as HTMLInputElement).blur()}
          />
        </div>
        <span className="grow" />
        <a className="button-link" href={exportUrl('csv')} download data-testid="cm-export-csv">
          Export CSV
        </a>
        <a className="button-link" href={exportUrl('json')} download data-testid="cm-export-json">
          Export JSON
        </a>
      </div>
      {model.error ? <ErrorBox error={model.error} retry={model.reload} what="the cost model" /> : null}
      {!r && !model.error ? <Skeleton rows={10} /> : null}
      {r ? <Report r={r} /> : null}
    </div>
  );
}

function Report({ r }: { r: CostModelResponse }) {
  const s = r.scenarios;
  return (
    <div data-testid="cost-model-report">
      <div className="cards">
        <Figure
          testId="cm-runs"
          label="Recorded runs"
          value={count(r.sessions.total)}
          sub={`${count(r.sessions.failed_tool_calls)} of ${count(r.sessions.tool_calls)} tool calls failed${r.sessions.truncated ? ' · newest only' : ''}`}
        />
        <Figure
          testId="cm-ratio"
          label="Failure ÷ expected"
          value={r.failure_to_expected === null ? '—' : `${r.failure_to_expected.toFixed(1)}×`}
          sub={`${money(s.failure?.mean_usd)} vs ${money(s.expected?.mean_usd)} per run`}
        />
        <Figure
          testId="cm-risk-run"
          label="Risk exposure per run"
          value={money(r.risk.per_run_usd)}
          sub="failure − expected, mean"
        />
        <Figure
          testId="cm-risk-month"
          label="Risk exposure per month"
          value={money(r.risk.per_month_usd)}
          sub={`at ${count(r.params.runs_per_month)} runs`}
        />
      </div>
      {r.notes.length ? (
        <div className="card section" data-testid="cm-notes">
          {r.notes.map((n) => (
            <p key={n} className="muted">
              {n}
            </p>
          ))}
        </div>
      ) : null}
      <Suspense fallback={<Skeleton rows={8} />}>
        <Charts r={r} />
      </Suspense>
      <div className="two-col">
        <div className="card section">
          <h2>Scenarios</h2>
          <table className="grid section" data-testid="cm-scenarios-table">
            <thead>
              <tr>
                <th>scenario</th>
                <th className="num">mean</th>
                <th className="num">p50</th>
                <th className="num">p90</th>
                <th className="num">p99</th>
              </tr>
            </thead>
            <tbody>
              {(['expected', 'edge', 'failure'] as const).map((name) => (
                <tr key={name} data-testid={`cm-scenario-${name}`}>
                  <td>{name}</td>
                  <td className="num">{money(s[name]?.mean_usd)}</td>
                  <td className="num">{money(s[name]?.p50_usd)}</td>
                  <td className="num">{money(s[name]?.p90_usd)}</td>
                  <td className="num">{money(s[name]?.p99_usd)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Recorded runs by class</h2>
          <table className="grid" data-testid="cm-classes">
            <tbody>
              {Object.entries(r.classes).map(([name, c]) => (
                <tr key={name}>
                  <td>{name.replace(/_/g, ' ')}</td>
                  <td className="num">{count(c.runs)} runs</td>
                  <td className="num">{money(c.mean_usd)} mean</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div className="card section" data-testid="cm-cap">
          <h2>Suggested per-run cap</h2>
          {r.cap ? (
            <>
              <div className="kpi">
                <div className="value">{money(r.cap.usd)}</div>
              </div>
              <p className="muted small">
                The {r.cap.basis}: it would stop {(r.cap.failure_runs_capped * 100).toFixed(1)} % of failure-case runs, bringing
                their mean to {money(r.cap.failure_mean_capped_usd)} and the monthly exposure to{' '}
                {money(r.cap.risk_per_month_capped_usd)} (at least: a stopped run still pays for the call that crossed the cap).
              </p>
              <p className="small">
                Set it in the SDK:{' '}
                <code className="mono">{`session({ …, caps: { maxCostUsd: ${Number(r.cap.usd.toPrecision(3))} } })`}</code>, and
                bound the total with a <Link to="/budgets">budget</Link> with a hard stop.
              </p>
            </>
          ) : (
            <p className="muted">Needs both an expected and a failure case.</p>
          )}
        </div>
      </div>
    </div>
  );
}
