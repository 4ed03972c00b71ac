import { Link } from 'react-router';
import type { Alert, Budget } from '../../api/types';
import { Badge, Time } from '../../components/common';
import { DataTable, type Column } from '../../components/data-table';
import { money } from '../../lib/format';

const tone = (a: Alert) => (a.type === 'budget.threshold_crossed' ? ((a.threshold ?? 0) >= 100 ? 'red' : 'amber') : 'purple');

const columns = (nameOf: Map<string, string>): Column<Alert>[] => [
  { head: 'when', cell: (a) => <Time iso={a.created_at} /> },
  {
    head: 'type',
    cell: (a) => (
      <Badge tone={tone(a)}>
        {a.type === 'budget.threshold_crossed' ? `budget ${a.threshold}%` : a.type.replace('anomaly.', '')}
      </Badge>
    ),
  },
  {
    head: 'what',
    cell: (a) => (
      <>
        {a.message}
        {a.spent_usd !== null && a.limit_usd !== null ? (
          <span className="muted">
            {' '}
            ({money(a.spent_usd)} of {money(a.limit_usd)})
          </span>
        ) : null}
      </>
    ),
  },
  {
    head: 'caused by',
    cell: (a) => (
      <>
        {a.budget_id ? <a href={`#budget-${a.budget_id}`}>{nameOf.get(a.budget_id) ?? a.budget_id}</a> : null}
        {a.session_id ? (
          <Link to={`/sessions/${encodeURIComponent(a.session_id)}`} className="mono">
            {a.session_id}
          </Link>
        ) : null}
        {!a.budget_id && !a.session_id && a.agent_name ? <span>{a.agent_name}</span> : null}
      </>
    ),
  },
];

/** Newest first; each alert links to what caused it (its budget row or its session's replay). */
export function AlertFeed({ alerts, budgets }: { alerts: Alert[]; budgets: Budget[] }) {
  return (
    <DataTable
      testId="alert-feed"
      columns={columns(new Map(budgets.map((b) => [b.id, b.name])))}
      rows={alerts}
      rowKey={(a) => a.id}
      rowProps={(a) => ({ 'data-alert-type': a.type, 'data-threshold': a.threshold ?? '' })}
      empty={<p className="muted">No alerts yet. They appear here when spend crosses a threshold or an anomaly is detected.</p>}
    />
  );
}
