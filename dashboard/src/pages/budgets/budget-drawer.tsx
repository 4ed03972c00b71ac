import { useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import type { Budget, CreateBudgetBody, Webhook } from '../../api/types';
import { Drawer } from '../../components/drawer';
import { Field, Select } from '../../components/field';

const PERIODS: readonly Budget['period'][] = ['day', 'week', 'month'];

interface Props {
  budget?: Budget;
  webhooks: Webhook[];
  onClose: () => void;
  onSaved: () => void;
}

/** Create or edit a budget. Thresholds are typed as "50, 80, 100"; empty scope = whole project. */
export function BudgetDrawer({ budget, webhooks, onClose, onSaved }: Props) {
  const [name, setName] = useState(budget?.name ?? '');
  const [period, setPeriod] = useState<Budget['period']>(budget?.period ?? 'day');
  const [limit, setLimit] = useState(budget ? String(budget.limit_usd) : '');
  const [thresholds, setThresholds] = useState((budget?.thresholds ?? [50, 80, 100]).join(', '));
  const [scope, setScope] = useState<Record<string, string>>({ ...budget?.scope });
  const [hooks, setHooks] = useState<string[]>(budget?.webhook_ids ?? []);
  const [hardStop, setHardStop] = useState(budget?.hard_stop ?? false);
  const [timezone, setTimezone] = useState(budget?.timezone ?? 'UTC');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const ts = thresholds
      .split(/[,\s]+/)
      .filter(Boolean)
      .map(Number);
    if (ts.some((t) => !Number.isFinite(t) || t <= 0)) return setError('thresholds are percentages above 0, e.g. 50, 80, 100');
    const cleanScope = Object.fromEntries(
      Object.entries(scope)
        .filter(([, v]) => v.trim())
        .map(([k, v]) => [k, v.trim()]),
    );
    const body: CreateBudgetBody = {
      name: name.trim(),
      period,
      limit_usd: Number(limit),
      thresholds: ts,
      scope: cleanScope,
      webhook_ids: hooks,
      hard_stop: hardStop,
      timezone: timezone.trim() || 'UTC',
    };
    setBusy(true);
    setError(undefined);
    try {
      if (budget) await api(`/api/budgets/${encodeURIComponent(budget.id)}`, { method: 'PATCH', json: body });
      else await api('/api/budgets', { method: 'POST', json: body });
      onSaved();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const scopeField = (k: 'agent' | 'workflow' | 'user' | 'model') => (
    <Field id={`b-${k}`} label={k} key={k}>
      <input
        id={`b-${k}`}
        value={scope[k] ?? ''}
        placeholder="any"
        onChange={(e) => setScope({ ...scope, [k]: e.target.value })}
      />
    </Field>
  );

  return (
    <Drawer
      title={budget ? `Edit ${budget.name}` : 'New budget'}
      label={budget ? 'edit budget' : 'new budget'}
      onClose={onClose}
      onSubmit={(e) => void submit(e)}
    >
      <Field id="b-name" label="Name">
        <input id="b-name" value={name} onChange={(e) => setName(e.target.value)} required autoFocus />
      </Field>
      <div className="row gap">
        <Field id="b-limit" label="Limit (USD)" className="field grow">
          <input
            id="b-limit"
            type="number"
            min="0"
            step="any"
            value={limit}
            onChange={(e) => setLimit(e.target.value)}
            required
          />
        </Field>
        <Field id="b-period" label="Period">
          <Select id="b-period" value={period} onChange={setPeriod} options={PERIODS} />
        </Field>
        <Field id="b-tz" label="Timezone">
          <input id="b-tz" value={timezone} onChange={(e) => setTimezone(e.target.value)} style={{ width: 110 }} />
        </Field>
      </div>
      <Field id="b-thresholds" label="Alert thresholds (%)">
        <input id="b-thresholds" value={thresholds} onChange={(e) => setThresholds(e.target.value)} />
      </Field>
      <h3>
        Scope <span className="muted small">(all given fields must match; empty = whole project)</span>
      </h3>
      <div className="two-col">{(['agent', 'workflow', 'user', 'model'] as const).map(scopeField)}</div>
      <h3>
        Webhooks <span className="muted small">(none checked = every enabled webhook)</span>
      </h3>
      {webhooks.length ? (
        webhooks.map((w) => (
          <label key={w.id} className="check">
            <input
              type="checkbox"
              checked={hooks.includes(w.id)}
              onChange={(e) => setHooks(e.target.checked ? [...hooks, w.id] : hooks.filter((h) => h !== w.id))}
            />
            {w.name || w.url}
          </label>
        ))
      ) : (
        <p className="muted small">No webhooks yet.</p>
      )}
      <label className="check">
        <input type="checkbox" checked={hardStop} onChange={(e) => setHardStop(e.target.checked)} /> Hard stop at 100 % (the SDK
        ends runs in scope)
      </label>
      {error ? (
        <div className="error-box" role="alert">
          {error}
        </div>
      ) : null}
      <div className="row gap">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Saving…' : budget ? 'Save' : 'Create budget'}
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Drawer>
  );
}
