import { useState } from 'react';
import { api, ApiError } from '../../api/client';
import type { AlertList, Budget, WebhookList } from '../../api/types';
import { BudgetBar } from '../../components/budget-bar';
import { ErrorBox, Skeleton, Unavailable } from '../../components/common';
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
        {budgets.error ? <ErrorBox error={budgets.error} retry={budgets.reload} what="budgets" /> : null}
        {!budgets.data && !budgets.error ? <Skeleton rows={4} /> : null}
        {budgets.data && !list.length ? (
          <p className="muted">
            No budgets. A budget alerts at 50, 80 and 100 % of a daily, weekly or monthly limit, and can stop runs at 100 %.
          </p>
        ) : null}
        {list.length ? (
          <table className="grid" data-testid="budgets-table">
            <thead>
              <tr>
                <th>name</th>
                <th>scope</th>
                <th>period</th>
                <th>spend</th>
                <th>state</th>
                <th>hard stop</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.map((s) => (
                <tr
                  key={s.budget.id}
                  id={`budget-${s.budget.id}`}
                  data-budget={s.budget.name}
                  onClick={() => setEditing(s.budget)}
                >
                  <td>
                    <b>{s.budget.name}</b>
                  </td>
                  <td className="muted">{scopeText(s.budget.scope)}</td>
                  <td>
                    {s.budget.period}
                    {s.budget.timezone !== 'UTC' ? ` (${s.budget.timezone})` : ''}
                  </td>
                  <td style={{ width: '34%' }}>
                    <BudgetBar s={s} />
                  </td>
                  <td>
                    <span className={`state state-${budgetState(s)}`} data-testid="budget-state">
                      {budgetState(s)}
                    </span>
                  </td>
                  <td>{s.budget.hard_stop ? 'yes' : 'no'}</td>
                  <td>
                    <button type="button" className="ghost" onClick={(e) => (e.stopPropagation(), setEditing(s.budget))}>
                      Edit
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
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
