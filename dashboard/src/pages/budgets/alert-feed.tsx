import { Link } from 'react-router';
import type { Alert, Budget } from '../../api/types';
import { Badge, Time } from '../../components/common';
import { money } from '../../lib/format';

const tone = (a: Alert) => (a.type === 'budget.threshold_crossed' ? ((a.threshold ?? 0) >= 100 ? 'red' : 'amber') : 'purple');

/** Newest first; each alert links to what caused it (its budget row or its session's replay). */
export function AlertFeed({ alerts, budgets }: { alerts: Alert[]; budgets: Budget[] }) {
  if (!alerts.length)
    return <p className="muted">No alerts yet. They appear here when spend crosses a threshold or an anomaly is detected.</p>;
  const nameOf = new Map(budgets.map((b) => [b.id, b.name]));
  return (
    <table className="grid" data-testid="alert-feed">
      <thead>
        <tr>
          <th>when</th>
          <th>type</th>
          <th>what</th>
          <th>caused by</th>
        </tr>
      </thead>
      <tbody>
        {alerts.map((a) => (
          <tr key={a.id} data-alert-type={a.type} data-threshold={a.threshold ?? ''}>
            <td>
              <Time iso={a.created_at} />
            </td>
            <td>
              <Badge tone={tone(a)}>
                {a.type === 'budget.threshold_crossed' ? `budget ${a.threshold}%` : a.type.replace('anomaly.', '')}
              </Badge>
            </td>
            <td>
              {a.message}
              {a.spent_usd !== null && a.limit_usd !== null ? (
                <span className="muted">
                  {' '}
                  ({money(a.spent_usd)} of {money(a.limit_usd)})
                </span>
              ) : null}
            </td>
            <td>
              {a.budget_id ? <a href={`#budget-${a.budget_id}`}>{nameOf.get(a.budget_id) ?? a.budget_id}</a> : null}
              {a.session_id ? (
                <Link to={`/sessions/${encodeURIComponent(a.session_id)}`} className="mono">
                  {a.session_id}
                </Link>
              ) : null}
              {!a.budget_id && !a.session_id && a.agent_name ? <span>{a.agent_name}</span> : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
