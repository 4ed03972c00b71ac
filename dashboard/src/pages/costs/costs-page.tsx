import { lazy, Suspense, useMemo } from 'react';
import { Link } from 'react-router';
import { api, qs } from '../../api/client';
import type { CostsResponse, SessionListResponse, SessionSummary } from '../../api/types';
import { BudgetBar } from '../../components/budget-bar';
import { Agent, ErrorBox, Skeleton } from '../../components/common';
import { DataTable, type Column } from '../../components/data-table';
import { budgetState, loadBudgetStatuses, scopeText, type BudgetsWithStatus } from '../../lib/budgets';
import { count, money } from '../../lib/format';
import { useApi } from '../../lib/use-api';
import { useParamSetter } from '../../lib/use-param';
import { Segmented } from '../../components/segmented';

const SpendChart = lazy(() => import('./spend-chart'));

const GROUPS = ['agent', 'model', 'workflow', 'user'] as const;
const RANGES = { '24h': 1, '7d': 7, '30d': 30 } as const;

function startOf(unit: 'day' | 'week' | 'month'): Date {
  const d = new Date();
  d.setUTCHours(0, 0, 0, 0);
  if (unit === 'week') d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7)); // ISO week: Monday
  if (unit === 'month') d.setUTCDate(1);
  return d;
}

function Kpi({ label, unit, budgets }: { label: string; unit: 'day' | 'week' | 'month'; budgets?: BudgetsWithStatus }) {
  const from = startOf(unit).toISOString();
  const r = useApi<CostsResponse>(`kpi-${unit}`, (signal) => api(`/api/costs${qs({ from, bucket: 'day' })}`, { signal }));
  // The project-wide budget of the same period, if there is one, is what this figure is judged by.
  const budget = budgets?.statuses.find((s) => s.budget.period === unit && !Object.values(s.budget.scope).some(Boolean));
  return (
    <div className="card kpi" data-testid={`kpi-${unit}`}>
      <label>{label} (UTC)</label>
      <div className="value">{r.data ? money(r.data.totals.cost_usd) : r.error ? '—' : '…'}</div>
      <div className="small muted">
        {r.data
          ? `${count(r.data.totals.llm_calls)} LLM calls · ${count(r.data.totals.input_tokens + r.data.totals.output_tokens)} tokens`
          : ''}
      </div>
      {budget ? <BudgetBar s={budget} /> : <div className="small muted">no project-wide {unit} budget</div>}
    </div>
  );
}

const TOP_COLUMNS: Column<SessionSummary>[] = [
  {
    head: 'session',
    cell: (s) => (
      <Link to={`/sessions/${encodeURIComponent(s.session_id)}`} className="mono">
        {s.session_id}
      </Link>
    ),
  },
  { head: 'agent', cell: (s) => <Agent name={s.agent_name} /> },
  { head: 'steps', num: true, cell: (s) => count(s.steps) },
  { head: 'cost', num: true, cell: (s) => money(s.cost_usd) },
];

export default function CostsPage() {
  const [params, set] = useParamSetter();
  const group = (GROUPS as readonly string[]).includes(params.get('group') ?? '') ? params.get('group')! : 'agent';
  const range = (params.get('range') ?? '7d') as keyof typeof RANGES;
  const days = RANGES[range] ?? 7;
  const bucket = params.get('bucket') === 'hour' || days === 1 ? 'hour' : 'day';
  const from = useMemo(() => new Date(Date.now() - days * 86_400_000).toISOString(), [days]);

  const series = useApi<CostsResponse>(`s-${group}-${bucket}-${from}`, (signal) =>
    api(`/api/costs${qs({ from, bucket, group_by: group, limit: 12 })}`, { signal }),
  );
  const top = useApi<SessionListResponse>(`top-${from}`, (signal) =>
    api(`/api/sessions${qs({ from, sort: 'cost', limit: 10 })}`, { signal }),
  );
  const budgets = useApi<BudgetsWithStatus>('budgets', (signal) => loadBudgetStatuses(signal));

  return (
    <div>
      <div className="page-head">
        <h1>Costs</h1>
        <span className="grow" />
        <Segmented label="range" options={Object.keys(RANGES)} value={range} onChange={(r) => set('range', r)} />
      </div>
      <div className="cards">
        <Kpi label="Today" unit="day" budgets={budgets.data} />
        <Kpi label="This week" unit="week" budgets={budgets.data} />
        <Kpi label="This month" unit="month" budgets={budgets.data} />
      </div>
      <div className="card chart-card section">
        <div className="row gap">
          <h2 className="grow">Spend over time by {group}</h2>
          <Segmented label="group by" options={GROUPS} value={group} onChange={(g) => set('group', g)} />
          <Segmented
            label="bucket"
            options={['hour', 'day'] as const}
            value={bucket}
            onChange={(b) => set('bucket', b)}
            disabled={(b) => days === 1 && b === 'day'}
          />
        </div>
        <div className="chart-body" data-testid="spend-chart">
          {series.error ? <ErrorBox error={series.error} retry={series.reload} what="spend" /> : null}
          {series.data ? (
            <Suspense fallback={<Skeleton rows={6} />}>
              <SpendChart data={series.data} />
            </Suspense>
          ) : series.error ? null : (
            <Skeleton rows={6} />
          )}
        </div>
      </div>
      <div className="two-col">
        <div className="card section">
          <h2>Most expensive sessions ({range})</h2>
          <DataTable
            testId="top-sessions"
            columns={TOP_COLUMNS}
            rows={top.data?.sessions}
            rowKey={(s) => s.session_id}
            error={top.error}
            retry={top.reload}
            what="sessions"
            loadingRows={6}
            empty={<p className="muted">No sessions in this range.</p>}
          />
        </div>
        <div className="card section">
          <h2>Budget burn</h2>
          {budgets.error ? <ErrorBox error={budgets.error} retry={budgets.reload} what="budgets" /> : null}
          {budgets.data && !budgets.data.available ? (
            <p className="muted" data-testid="unavailable">
              Budgets are not available on this server.
            </p>
          ) : null}
          {budgets.data?.available && !budgets.data.statuses.length ? (
            <p className="muted">
              No budgets yet. <Link to="/budgets">Create one</Link> to get alerts at 50, 80 and 100 %.
            </p>
          ) : null}
          {budgets.data?.statuses.map((s) => (
            <div key={s.budget.id} className="burn-row">
              <div className="row gap">
                <b>{s.budget.name}</b>
                <span className="muted small">
                  {s.budget.period} · {scopeText(s.budget.scope)}
                </span>
                <span className="grow" />
                <span className={`state state-${budgetState(s)}`}>{budgetState(s)}</span>
              </div>
              <BudgetBar s={s} projection />
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}
