import { useState } from 'react';
import { api, ApiError } from '../../api/client';
import type { AlertList, Budget, BudgetStatus, WebhookList } from '../../api/types';
import { BudgetBar } from '../../components/budget-bar';
import { ErrorBox, Skeleton, Unavailable } from '../../components/common';
import { DataTable, type Column } from '../../components/data-table';
import { budgetState, loadBudgetStatuses, scopeText, type BudgetsWithStatus } from '../../lib/budgets';
import { useApi, useInterval } from '../../lib/use-api';
import { AlertFeed } from './alert-feed';
import { BudgetDrawer } from './budget-drawer';
import { Webhooks } from './webhooks';

/** A list that is empty with `available: false` when this server has no such route (older Cairn). */
async function optional<T>(path: string, signal: AbortSignal): Promise<T | null> {
  try {
    return await api<T>(path, { signal });
  } catch (e) {
    if (e instanceof ApiError && e.unavailable) return null;
    throw e;
  }
}

const columns = (edit: (b: Budget) => void): Column<BudgetStatus>[] => [
  { head: 'name', cell: (s) => <b>{s.budget.name}</b> },
  { head: 'scope', className: 'muted', cell: (s) => scopeText(s.budget.scope) },
  { head: 'period', cell: (s) => `${s.budget.period}${s.budget.timezone !== 'UTC' ? ` (${s.budget.timezone})` : ''}` },
  { head: 'spend', style: { width: '34%' }, cell: (s) => <BudgetBar s={s} /> },
  {
    head: 'state',
    cell: (s) => (
      <span className={`state state-${budgetState(s)}`} data-testid="budget-state">
        {budgetState(s)}
      </span>
    ),
  },
  { head: 'hard stop', cell: (s) => (s.budget.hard_stop ? 'yes' : 'no') },
  {
    cell: (s) => (
      <button type="button" className="ghost" onClick={(e) => (e.stopPropagation(), edit(s.budget))}>
        Edit
      </button>
    ),
  },
];

export default function BudgetsPage() {
  const budgets = useApi<BudgetsWithStatus>('budgets', (signal) => loadBudgetStatuses(signal));
  const webhooks = useApi<WebhookList | null>('webhooks', (signal) => optional('/api/webhooks', signal));
  const alerts = useApi<AlertList | null>('alerts', (signal) => optional('/api/alerts?limit=100', signal));
  const [editing, setEditing] = useState<Budget | 'new'>();
  // Spend and alerts move while the page is open: the engine runs every few seconds.
  useInterval(() => (budgets.reload(), alerts.reload()), 5000, true);

  if (budgets.data && !budgets.data.available) {
    return (
      <div>
        <div className="page-head">
          <h1>Budgets & alerts</h1>
        </div>
        <Unavailable what="Budgets and alerts" />
      </div>
    );
  }
  const list = budgets.data?.statuses ?? [];
  const reloadAll = () => (budgets.reload(), webhooks.reload(), alerts.reload());

  return (
    <div>
      <div className="page-head">
        <h1>Budgets & alerts</h1>
        <span className="grow" />
        <button type="button" className="primary" onClick={() => setEditing('new')} disabled={!budgets.data}>
          New budget
        </button>
      </div>
      <div className="card section">
        <h2>Budgets</h2>
        <DataTable
          testId="budgets-table"
          columns={columns(setEditing)}
          rows={budgets.data?.statuses}
          rowKey={(s) => s.budget.id}
          rowProps={(s) => ({ id: `budget-${s.budget.id}`, 'data-budget': s.budget.name, onClick: () => setEditing(s.budget) })}
          error={budgets.error}
          retry={budgets.reload}
          what="budgets"
          loadingRows={4}
          empty={
            <p className="muted">
              No budgets. A budget alerts at 50, 80 and 100 % of a daily, weekly or monthly limit, and can stop runs at 100 %.
            </p>
          }
        />
      </div>
      {webhooks.error ? <ErrorBox error={webhooks.error} retry={webhooks.reload} what="webhooks" /> : null}
      {webhooks.data === null ? <Unavailable what="Webhooks" /> : null}
      {webhooks.data ? <Webhooks webhooks={webhooks.data.webhooks} onChanged={reloadAll} /> : null}
      <div className="card section">
        <h2>Alerts</h2>
        {alerts.error ? <ErrorBox error={alerts.error} retry={alerts.reload} what="alerts" /> : null}
        {alerts.data === null ? <p className="muted">Alerts are not available on this server.</p> : null}
        {alerts.data ? (
          <AlertFeed alerts={alerts.data.alerts} budgets={list.map((s) => s.budget)} />
        ) : !alerts.error && alerts.data === undefined ? (
          <Skeleton rows={3} />
        ) : null}
      </div>
      {editing ? (
        <BudgetDrawer
          budget={editing === 'new' ? undefined : editing}
          webhooks={webhooks.data?.webhooks ?? []}
          onClose={() => setEditing(undefined)}
          onSaved={() => (setEditing(undefined), reloadAll())}
        />
      ) : null}
    </div>
  );
}
