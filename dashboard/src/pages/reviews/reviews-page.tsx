import { useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, ApiError, qs } from '../../api/client';
import type { ReviewItem, ReviewItemList, ReviewQueueList } from '../../api/types';
import { Agent, Badge, Kbd, Time, Unavailable } from '../../components/common';
import { DataTable, type Column } from '../../components/data-table';
import { Select } from '../../components/field';
import { useRowKeys } from '../../components/row-keys';
import { useAuth } from '../../lib/auth';
import { confidence, money } from '../../lib/format';
import { useApi, useInterval } from '../../lib/use-api';
import { useParamSetter } from '../../lib/use-param';
import { Segmented } from '../../components/segmented';
import {
  dueText,
  filtersFrom,
  itemsQuery,
  minutesLeft,
  REVIEW_TABS,
  saveReviewer,
  savedReviewer,
  TAB_LABELS,
} from './review-query';

export function StatusBadge({ item }: { item: ReviewItem }) {
  const m = minutesLeft(item);
  if (item.status === 'decided')
    return (
      <Badge
        tone={item.decision === 'approve' ? 'green' : item.decision === 'reject' ? 'red' : 'blue'}
        data={{ status: 'decided' }}
      >
        {item.decision}
        {item.fallback_applied ? ' (fallback)' : ''}
      </Badge>
    );
  if (item.status === 'expired')
    return (
      <Badge tone="grey" data={{ status: 'expired' }}>
        expired
      </Badge>
    );
  if (m !== null && m < 0)
    return (
      <Badge tone="red" data={{ status: item.status }}>
        overdue
      </Badge>
    );
  return (
    <Badge tone={item.status === 'claimed' ? 'purple' : 'amber'} data={{ status: item.status }}>
      {item.status === 'claimed' ? `claimed by ${item.claimed_by}` : 'open'}
    </Badge>
  );
}

export default function ReviewsPage() {
  const [params, set] = useParamSetter();
  const f = filtersFrom(params);
  const nav = useNavigate();
  const { me } = useAuth();
  const [reviewer, setReviewer] = useState(() => savedReviewer(me ? `admin ${me.key_prefix}` : 'admin'));
  const [sel, setSel] = useState(-1);
  const [note, setNote] = useState<string>();
  const key = JSON.stringify(f);
  const items = useApi<ReviewItemList>(key, (signal) => api(`/api/reviews/items${qs(itemsQuery(f))}`, { signal }));
  const queues = useApi<ReviewQueueList>('queues', (signal) => api('/api/reviews/queues', { signal }));
  useInterval(items.reload, 5000, true);
  const list = items.data?.items ?? [];
  useEffect(() => setSel(-1), [key]);

  async function claim(item: ReviewItem) {
    try {
      await api(`/api/reviews/items/${encodeURIComponent(item.id)}/claim`, { method: 'POST', json: { reviewer } });
      setNote(`claimed ${item.reason.slice(0, 40)}`);
    } catch (e) {
      setNote(`could not claim: ${(e as Error).message}`);
    }
    items.reload();
  }

  const open = (item: ReviewItem) => void nav(`/reviews/${encodeURIComponent(item.id)}`);
  useRowKeys(list, sel, setSel, { Enter: open, c: (item) => void claim(item) });
  const queueName = (id: string | null) => queues.data?.queues.find((q) => q.id === id)?.name ?? '—';
  const columns: Column<ReviewItem>[] = [
    { head: 'agent', cell: (it) => <Agent name={it.agent} /> },
    { head: 'reason', cell: (it) => <Link to={`/reviews/${encodeURIComponent(it.id)}`}>{it.reason}</Link> },
    { head: 'confidence', num: true, cell: (it) => confidence(it.confidence) },
    { head: 'cost so far', num: true, cell: (it) => money(it.cost_usd) },
    { head: 'queue', className: 'muted', cell: (it) => queueName(it.queue_id) },
    { head: 'opened', cell: (it) => <Time iso={it.created_at} /> },
    { head: 'due', cell: (it) => dueText(it) },
    { head: 'status', cell: (it) => <StatusBadge item={it} /> },
  ];

  if (items.error instanceof ApiError && items.error.unavailable) {
    return (
      <div>
        <div className="page-head">
          <h1>Reviews</h1>
        </div>
        <Unavailable what="Review queues" />
      </div>
    );
  }

  return (
    <div data-testid="reviews-page">
      <div className="page-head">
        <h1>Reviews</h1>
        <Segmented
          kind="tabs"
          label="review tabs"
          options={REVIEW_TABS}
          value={f.tab}
          onChange={(t) => set('tab', t === 'open' ? '' : t)}
          render={(t) => TAB_LABELS[t]}
        />
        <span className="grow" />
        <Select
          label="queue"
          value={f.queue}
          onChange={(q) => set('queue', q)}
          any="all queues"
          options={queues.data?.queues.map((q) => ({ value: q.id, label: q.name })) ?? []}
        />
        <input
          aria-label="agent"
          placeholder="agent"
          defaultValue={f.agent}
          onKeyDown={(e) => e.key === 'Enter' && set('agent', e.currentTarget.value.trim())}
          onBlur={(e) => set('agent', e.currentTarget.value.trim())}
          style={{ width: 120 }}
        />
        <input
          aria-label="reviewer"
          title="Your name on claims and decisions"
          value={reviewer}
          onChange={(e) => (setReviewer(e.target.value), saveReviewer(e.target.value))}
          style={{ width: 140 }}
        />
      </div>
      <p className="small muted">
        <Kbd>j</Kbd>/<Kbd>k</Kbd> move · <Kbd>Enter</Kbd> open · <Kbd>c</Kbd> claim
        {note ? <span data-testid="queue-note"> · {note}</span> : null}
      </p>
      <DataTable
        testId="reviews-table"
        columns={columns}
        rows={items.data?.items}
        rowKey={(it) => it.id}
        selected={sel}
        rowProps={(it, i) => ({ 'data-item': it.id, onClick: () => setSel(i), onDoubleClick: () => open(it) })}
        error={items.error}
        retry={items.reload}
        what="review items"
        empty={
          <div className="empty" data-testid="reviews-empty">
            <h3>Nothing to review here</h3>
            <p className="muted">Escalations (SDK escalate(), cairn.escalation events, low confidence) open review items.</p>
          </div>
        }
      />
    </div>
  );
}
