import { useEffect, useRef, useState, type ReactNode } from 'react';
import { ANOMALY_LABELS, ANOMALY_TYPE_LIST, isAnomalyType } from '../../lib/anomalies';
import { Field, Select } from '../../components/field';
import { RANGES, type RangeKey, type SessionView } from './session-query';

const STATUSES = ['ok', 'error', 'running'] as const;
const ANOMALY_CHOICES = [
  { value: 'any', label: 'any type' },
  ...ANOMALY_TYPE_LIST.map((t) => ({ value: t, label: ANOMALY_LABELS[t].label, title: ANOMALY_LABELS[t].title })),
];

interface Props {
  view: SessionView;
  agents: string[];
  onChange: (patch: Partial<SessionView>) => void;
}

/** A text filter that commits to the URL after a short pause, not on every key. */
function TextFilter({
  label,
  value,
  onCommit,
  placeholder,
  list,
  narrow,
  name,
}: {
  label: string;
  value: string;
  onCommit: (v: string) => void;
  placeholder?: string;
  list?: string;
  narrow?: boolean;
  name: string;
}) {
  const [text, setText] = useState(value);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => setText(value), [value]);
  const commit = (v: string) => {
    clearTimeout(timer.current);
    if (v !== value) onCommit(v);
  };
  return (
    <Field id={`f-${name}`} label={label} className="f">
      <input
        id={`f-${name}`}
        name={name}
        className={narrow ? 'narrow' : undefined}
        value={text}
        list={list}
        placeholder={placeholder}
        onChange={(e) => {
          setText(e.target.value);
          clearTimeout(timer.current);
          const v = e.target.value;
          timer.current = setTimeout(() => commit(v), 400);
        }}
        onKeyDown={(e) => e.key === 'Enter' && commit(text)}
        onBlur={() => commit(text)}
      />
    </Field>
  );
}

/**
 * A checkbox filter that shows its new state at once. The URL is the source of truth, but a
 * router navigation commits in a transition: a checkbox bound only to the URL would flip back
 * until that commit, and a click that lands meanwhile (a user's double click, a test's check of
 * the state) would read the old value.
 */
function CheckFilter({
  checked,
  onToggle,
  children,
  id,
  title,
}: {
  checked: boolean;
  onToggle: (checked: boolean) => void;
  children: ReactNode;
  id?: string;
  title?: string;
}) {
  const [on, setOn] = useState(checked);
  useEffect(() => setOn(checked), [checked]);
  return (
    <label className="check" title={title}>
      <input
        id={id}
        type="checkbox"
        checked={on}
        onChange={(e) => {
          setOn(e.target.checked);
          onToggle(e.target.checked);
        }}
      />{' '}
      {children}
    </label>
  );
}

export function SessionFilters({ view, agents, onChange }: Props) {
  const ranges: RangeKey[] = ['15m', '1h', '24h', '7d', '30d', 'all', 'custom'];
  return (
    <div className="filters" role="search">
      <div className="f">
        <label>Started</label>
        <div className="seg" role="group" aria-label="time range">
          {ranges.map((r) => (
            <button key={r} type="button" className={view.range === r ? 'on' : undefined} onClick={() => onChange({ range: r })}>
              {r in RANGES ? r : r === 'all' ? 'all' : 'custom'}
            </button>
          ))}
        </div>
      </div>
      {view.range === 'custom' ? (
        <>
          <div className="f">
            <label htmlFor="f-from">From</label>
            <input id="f-from" type="datetime-local" value={view.from} onChange={(e) => onChange({ from: e.target.value })} />
          </div>
          <div className="f">
            <label htmlFor="f-to">To</label>
            <input id="f-to" type="datetime-local" value={view.to} onChange={(e) => onChange({ to: e.target.value })} />
          </div>
        </>
      ) : null}
      <TextFilter
        name="agent"
        label="Agent"
        value={view.agent}
        list="agent-names"
        placeholder="any (a,b)"
        onCommit={(agent) => onChange({ agent })}
      />
      <datalist id="agent-names">
        {agents.map((a) => (
          <option key={a} value={a} />
        ))}
      </datalist>
      <TextFilter
        name="workflow"
        label="Workflow"
        value={view.workflow}
        placeholder="any"
        onCommit={(workflow) => onChange({ workflow })}
      />
      <TextFilter name="user" label="User" value={view.user} placeholder="any" onCommit={(user) => onChange({ user })} />
      <Field id="f-status" label="Status" className="f">
        <Select id="f-status" value={view.status} onChange={(status) => onChange({ status })} any="any" options={STATUSES} />
      </Field>
      <TextFilter
        name="min_cost"
        narrow
        label="Cost ≥ $"
        value={view.minCost}
        placeholder="0"
        onCommit={(minCost) => onChange({ minCost })}
      />
      <TextFilter
        name="max_cost"
        narrow
        label="Cost ≤ $"
        value={view.maxCost}
        placeholder="∞"
        onCommit={(maxCost) => onChange({ maxCost })}
      />
      <CheckFilter checked={view.escalated} onToggle={(escalated) => onChange({ escalated })}>
        escalated only
      </CheckFilter>
      <CheckFilter checked={view.errors} onToggle={(errors) => onChange({ errors })}>
        errors only
      </CheckFilter>
      <CheckFilter
        id="f-anomalies-only"
        title="Sessions an anomaly detector of the alert engine flagged"
        checked={view.anomaly !== ''}
        onToggle={(on) => onChange({ anomaly: on ? 'any' : '' })}
      >
        anomalies only
      </CheckFilter>
      {view.anomaly !== '' ? (
        <Field id="f-anomaly" label="Anomaly" className="f">
          <Select
            id="f-anomaly"
            value={view.anomaly}
            onChange={(t) => onChange({ anomaly: isAnomalyType(t) ? t : 'any' })}
            options={ANOMALY_CHOICES}
          />
        </Field>
      ) : null}
      <TextFilter name="q" label="Session id" value={view.q} placeholder="search id" onCommit={(q) => onChange({ q })} />
    </div>
  );
}
