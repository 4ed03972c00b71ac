import { Link, useParams } from 'react-router';
import { api } from '../../api/client';
import type { ReviewItemDetail } from '../../api/types';
import { Agent, ErrorBox, Id, Skeleton, Time } from '../../components/common';
import { DataTable, type Column } from '../../components/data-table';
import { useAuth } from '../../lib/auth';
import { confidence, money } from '../../lib/format';
import { useApi } from '../../lib/use-api';
import { pretty } from '../replay/messages';
import { dueText, replayLink, savedReviewer } from './review-query';
import { DecisionForm } from './review-form';
import { ReviewStateDiff } from './review-state';
import { StepsAround } from './review-steps';
import { StatusBadge } from './reviews-page';

type HistoryEntry = ReviewItemDetail['history'][number];

const HISTORY_COLUMNS: Column<HistoryEntry>[] = [
  { cell: (h) => <Time iso={h.at} /> },
  { cell: (h) => h.kind },
  { cell: (h) => h.by },
  { cell: (h) => h.decision ?? '' },
  { className: 'muted', cell: (h) => h.comment || h.detail },
];

export default function ReviewItemPage() {
  const { id = '' } = useParams();
  const { me } = useAuth();
  const r = useApi<ReviewItemDetail>(`item-${id}`, (signal) => api(`/api/reviews/items/${encodeURIComponent(id)}`, { signal }));
  if (r.error) return <ErrorBox error={r.error} retry={r.reload} what={`review item "${id}"`} />;
  if (!r.data) return <Skeleton rows={12} />;
  const { item, history } = r.data;
  const reviewer = savedReviewer(me ? `admin ${me.key_prefix}` : 'admin');
  const open = item.status === 'open' || item.status === 'claimed';

  return (
    <div data-testid="review-item" data-status={item.status}>
      <div className="page-head">
        <Link to="/reviews" className="muted">
          ← Reviews
        </Link>
        <h1>{item.reason}</h1>
        <StatusBadge item={item} />
      </div>
      <div className="review-cards">
        <div className="card section" data-testid="review-summary">
          <h2>Summary</h2>
          <table className="grid kv">
            <tbody>
              <tr>
                <th>agent</th>
                <td>
                  <Agent name={item.agent} />
                  {item.workflow ? <span className="muted"> · {item.workflow}</span> : null}
                </td>
              </tr>
              <tr>
                <th>reason</th>
                <td>
                  {item.reason} <span className="muted small">({item.source})</span>
                </td>
              </tr>
              <tr>
                <th>confidence</th>
                <td data-testid="review-confidence">{confidence(item.confidence)}</td>
              </tr>
              <tr>
                <th>cost so far</th>
                <td>{money(item.cost_usd)}</td>
              </tr>
              <tr>
                <th>opened</th>
                <td>
                  <Time iso={item.created_at} /> · due {dueText(item)}
                </td>
              </tr>
              <tr>
                <th>decision point</th>
                <td>
                  <Link to={replayLink(item)} data-testid="replay-link" className="button-link">
                    Open in replay ▸
                  </Link>{' '}
                  <span className="muted small">
                    session <Id value={item.session_id} /> step <Id value={item.span_id} short={10} />
                  </span>
                </td>
              </tr>
            </tbody>
          </table>
          <h3>Proposed action</h3>
          <pre className="mono code-block" data-testid="proposed-action">
            {item.proposed_action === null || item.proposed_action === undefined
              ? '—'
              : pretty(JSON.stringify(item.proposed_action))}
          </pre>
        </div>
        <div className="card section">
          <h2>Decision</h2>
          {open ? (
            <DecisionForm item={item} reviewer={reviewer} onDecided={r.reload} />
          ) : (
            <div data-testid="decision">
              <p>
                <b>{item.decision ?? item.status}</b> by {item.decided_by ?? '—'}{' '}
                {item.decided_at ? <Time iso={item.decided_at} /> : null}
                {item.fallback_applied ? <span className="muted"> (fallback {item.fallback_applied})</span> : null}
              </p>
              {item.correct !== null ? <p>Labeled {item.correct ? 'correct' : 'incorrect'}.</p> : null}
              {item.comment ? <p className="muted">“{item.comment}”</p> : null}
              {item.edited_action !== null && item.edited_action !== undefined ? (
                <pre className="mono code-block">{pretty(JSON.stringify(item.edited_action))}</pre>
              ) : null}
            </div>
          )}
        </div>
      </div>
      <div className="card section">
        <h2>The decision point in the run</h2>
        <StepsAround item={item} />
      </div>
      <div className="card section">
        <h2>State at the decision point</h2>
        <ReviewStateDiff item={item} />
      </div>
      <div className="card section">
        <h2>History</h2>
        <DataTable
          testId="review-history"
          headless
          columns={HISTORY_COLUMNS}
          rows={history}
          rowKey={(_, i) => String(i)}
          rowProps={(h) => ({ 'data-kind': h.kind })}
        />
      </div>
    </div>
  );
}
