import { useMemo, useState } from 'react';
import type { SessionSummary } from '../../api/types';
import { AnomalyBadges } from '../../components/anomaly-badges';
import { Agent, Badge, SessionName, Time } from '../../components/common';
import { useRowKeys } from '../../components/row-keys';
import { confidence, count, duration } from '../../lib/format';
import { costOutliers, type SessionView } from './session-query';
import { columnMoney } from '../../lib/wording';

type SortKey = SessionView['sort'];

interface Props {
  rows: SessionSummary[];
  view: SessionView;
  onSort: (sort: SortKey) => void;
  onOpen: (id: string) => void;
}

function Bar({ value, max, hot, children }: { value: number; max: number; hot?: boolean; children: React.ReactNode }) {
  const w = max > 0 ? Math.max(1, (value / max) * 100) : 0;
  return (
    <td className="num costbar">
      <i className={hot ? 'hot' : undefined} style={{ width: `${w}%` }} />
      <span>{children}</span>
    </td>
  );
}

export function SessionTable({ rows, view, onSort, onOpen }: Props) {
  const [focus, setFocus] = useState(-1);
  const maxCost = useMemo(() => rows.reduce((m, r) => Math.max(m, r.cost_usd), 0), [rows]);
  const costText = useMemo(() => columnMoney(rows.map((r) => r.cost_usd)), [rows]);
  const maxSteps = useMemo(() => rows.reduce((m, r) => Math.max(m, r.steps), 0), [rows]);
  const outliers = useMemo(() => costOutliers(rows), [rows]);

  // j/k or ↑/↓ move through rows, Enter opens: the list is usable without a mouse.
  useRowKeys(rows, focus, setFocus, { Enter: (r) => onOpen(r.session_id) }, { arrows: true });

  const th = (label: string, key?: SortKey, num = false) => {
    const sorted = key && view.sort === key;
    return (
      <th
        className={[key ? 'sortable' : '', sorted ? 'sorted' : '', num ? 'num' : ''].join(' ')}
        onClick={key ? () => onSort(key) : undefined}
        aria-sort={sorted ? (view.order === 'asc' ? 'ascending' : 'descending') : undefined}
      >
        {label}
        {sorted ? (view.order === 'asc' ? ' ▲' : ' ▼') : ''}
      </th>
    );
  };

  return (
    <table className="grid" data-testid="sessions-table">
      <thead>
        <tr>
          <th title="status: green ok · red failed · pulsing blue running" />
          {th('session')}
          {th('agent')}
          {th('user')}
          {th('started', 'recent')}
          {th('duration', 'duration', true)}
          {th('steps', 'steps', true)}
          {th('llm / tool', undefined, true)}
          {th('tokens', undefined, true)}
          {th('cost', 'cost', true)}
          {th('min conf', undefined, true)}
          {th('flags')}
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr
            key={r.session_id}
            className={i === focus ? 'focus' : undefined}
            onClick={() => onOpen(r.session_id)}
            data-session={r.session_id}
          >
            <td title={r.status}>
              <i className={`dot dot-${r.status}`} />
            </td>
            <td>
              <SessionName id={r.session_id} title={r.title} />
            </td>
            <td>
              <Agent name={r.agent_name} />
            </td>
            <td className="muted">{r.user_id || '—'}</td>
            <td>
              <Time iso={r.start_time} />
            </td>
            <td className="num">{duration(r.duration_ms)}</td>
            <Bar value={r.steps} max={maxSteps}>
              {count(r.steps)}
            </Bar>
            <td className="num">
              {r.llm_calls} / {r.tool_calls}
            </td>
            <td className="num" title={`in ${r.input_tokens} · out ${r.output_tokens}`}>
              {count(r.total_tokens)}
            </td>
            <Bar value={r.cost_usd} max={maxCost} hot={outliers.has(r.session_id) || r.anomalies.includes('session_cost')}>
              {costText(r.cost_usd)}
            </Bar>
            <td className={`num ${r.min_confidence !== null && r.min_confidence < 0.5 ? 'low-conf' : ''}`}>
              {confidence(r.min_confidence)}
            </td>
            <td>
              {r.errors > 0 ? (
                <Badge tone="red" title="steps with status error">
                  {r.errors} err
                </Badge>
              ) : null}
              {r.escalations > 0 ? (
                <Badge tone="amber" title="escalations">
                  {r.escalations} esc
                </Badge>
              ) : null}
              {r.limit_hits > 0 ? (
                <Badge tone="purple" title="cap hits">
                  cap
                </Badge>
              ) : null}
              <AnomalyBadges types={r.anomalies} />
              {/* The page-local hint only where the detector (which sees the agent's history) has not spoken. */}
              {outliers.has(r.session_id) && !r.anomalies.includes('session_cost') ? (
                <Badge tone="amber" title="cost over 3× the median of this agent's sessions on this page">
                  3× cost
                </Badge>
              ) : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
