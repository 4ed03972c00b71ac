import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, ApiError, qs } from '../../api/client';
import type { ReviewItem, ReviewItemList, ReviewQueueList } from '../../api/types';
import { Agent, Badge, ErrorBox, Kbd, Skeleton, Time, Unavailable } from '../../components/common';
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
  moveSelection,
  REVIEW_TABS,
  saveReviewer,
  savedReviewer,
  TAB_LABELS,
} from './review-query';

const typing = (t: EventTarget | null) => {
  const el = t as HTMLElement | null;
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
};

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
  const listRef = useRef(list);
  listRef.current = list;
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

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (typing(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
      const rows = listRef.current;
      if (e.key === 'j' || e.key === 'k') setSel((s) => moveSelection(s, rows.length, e.key === 'j' ? 1 : -1));
      else if (e.key === 'Enter' && rows[sel]) void nav(`/reviews/${encodeURIComponent(rows[sel].id)}`);
      else if (e.key === 'c' && rows[sel]) void claim(rows[sel]);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

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
        <select aria-label="queue" value={f.queue} onChange={(e) => set('queue', e.target.value)}>
          <option value="">all queues</option>
          {queues.data?.queues.map((q) => (
            <option key={q.id} value={q.id}>
              {q.name}
            </option>
          ))}
        </select>
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
      {items.error ? <ErrorBox error={items.error} retry={items.reload} what="review items" /> : null}
      {!items.data && !items.error ? <Skeleton rows={8} /> : null}
      {items.data && !list.length ? (
        <div className="empty" data-testid="reviews-empty">
          <h3>Nothing to review here</h3>
          <p className="muted">Escalations (SDK escalate(), cairn.escalation events, low confidence) open review items.</p>
        </div>
      ) : null}
      {list.length ? (
        <table className="grid" data-testid="reviews-table">
          <thead>
            <tr>
              <th>agent</th>
              <th>reason</th>
              <th className="num">confidence</th>
              <th className="num">cost so far</th>
              <th>queue</th>
              <th>opened</th>
              <th>due</th>
              <th>status</th>
            </tr>
          </thead>
          <tbody>
            {list.map((it, i) => (
              <tr
                key={it.id}
                data-item={it.id}
                className={i === sel ? 'selected' : undefined}
                aria-selected={i === sel}
                onClick={() => setSel(i)}
                onDoubleClick={() => nav(`/reviews/${encodeURIComponent(it.id)}`)}
              >
                <td>
                  <Agent name={it.agent} />
                </td>
                <td>
                  <Link to={`/reviews/${encodeURIComponent(it.id)}`}>{it.reason}</Link>
                </td>
                <td className="num">{confidence(it.confidence)}</td>
                <td className="num">{money(it.cost_usd)}</td>
                <td className="muted">{queues.data?.queues.find((q) => q.id === it.queue_id)?.name ?? '—'}</td>
                <td>
                  <Time iso={it.created_at} />
                </td>
                <td>{dueText(it)}</td>
                <td>
                  <StatusBadge item={it} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
