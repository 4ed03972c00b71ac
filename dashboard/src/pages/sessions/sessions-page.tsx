import { useCallback, useEffect, useMemo, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { api, qs } from '../../api/client';
import type { CostsResponse, SessionListResponse, SessionSummary } from '../../api/types';
import { ErrorBox, Skeleton } from '../../components/common';
import { Onboarding } from '../../components/onboarding';
import { useApi, useInterval } from '../../lib/use-api';
import { SessionFilters } from './session-filters';
import { apiQueryOf, isFiltered, paramsOf, viewOf, type SessionView } from './session-query';
import { SessionTable } from './session-table';

const PAGE = 100;

export default function SessionsPage() {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const view = useMemo(() => viewOf(params), [params]);
  // Relative ranges are anchored when the view changes or on a live tick, not on every render.
  const [now, setNow] = useState(() => Date.now());
  const query = useMemo(() => apiQueryOf(view, now), [view, now]);
  const key = qs({ ...query, limit: PAGE });
  const list = useApi<SessionListResponse>(key, (signal) => api(`/api/sessions${key}`, { signal }));
  const [more, setMore] = useState<{ rows: SessionSummary[]; cursor: string | null }>({ rows: [], cursor: null });
  useEffect(() => setMore({ rows: [], cursor: list.data?.next_cursor ?? null }), [list.data]);

  const agents = useApi<CostsResponse>('agents', (signal) =>
    api(`/api/costs${qs({ group_by: 'agent', from: new Date(Date.now() - 30 * 86_400_000).toISOString(), limit: 200 })}`, {
      signal,
    }),
  );
  const agentNames = useMemo(
    () => (agents.data?.groups ?? []).map((g) => g.key).filter((k) => k && k !== '(other)'),
    [agents.data],
  );

  useInterval(() => setNow(Date.now()), 5000, view.live);

  const update = useCallback(
    (patch: Partial<SessionView>) => setParams(paramsOf({ ...view, ...patch }), { replace: false }),
    [view, setParams],
  );
  const onSort = (sort: SessionView['sort']) =>
    update({ sort, order: view.sort === sort ? (view.order === 'desc' ? 'asc' : 'desc') : 'desc' });
  const open = useCallback((id: string) => navigate(`/sessions/${encodeURIComponent(id)}`), [navigate]);

  const loadMore = async () => {
    if (!more.cursor) return;
    const r = await api<SessionListResponse>(`/api/sessions${qs({ ...query, limit: PAGE, cursor: more.cursor })}`);
    setMore((m) => ({ rows: [...m.rows, ...r.sessions], cursor: r.next_cursor }));
  };

  const rows = list.data ? [...list.data.sessions, ...more.rows] : [];
  const filtered = isFiltered(view);

  return (
    <div>
      <div className="page-head">
        <h1>Sessions</h1>
        <span className="muted">{list.data ? `${rows.length}${more.cursor ? '+' : ''} shown` : ''}</span>
        <span className="grow" />
        <label className="check" title="Refresh every 5 s">
          <input type="checkbox" checked={view.live} onChange={(e) => update({ live: e.target.checked })} /> live
          {view.live && list.loading ? <span className="muted small"> ⟳</span> : null}
        </label>
        <button type="button" onClick={() => (setNow(Date.now()), list.reload())}>
          Refresh
        </button>
      </div>
      <SessionFilters view={view} agents={agentNames} onChange={update} />
      {list.error ? <ErrorBox error={list.error} retry={list.reload} what="sessions" /> : null}
      {!list.data && !list.error ? <Skeleton rows={14} /> : null}
      {list.data && rows.length === 0 && !filtered ? <Onboarding /> : null}
      {list.data && rows.length === 0 && filtered ? (
        <div className="empty" data-testid="no-match">
          <h3>No sessions match these filters</h3>
          <button type="button" onClick={() => setParams(new URLSearchParams())}>
            Clear filters
          </button>
        </div>
      ) : null}
      {rows.length > 0 ? (
        <>
          <SessionTable rows={rows} view={view} onSort={onSort} onOpen={open} />
          <div className="row gap" style={{ padding: 8 }}>
            {more.cursor ? (
              <button type="button" onClick={() => void loadMore()}>
                Load {PAGE} more
              </button>
            ) : (
              <span className="muted small">end of list</span>
            )}
            <span className="muted small">
              <kbd>j</kbd>/<kbd>k</kbd> move · <kbd>Enter</kbd> open
            </span>
            <span className="muted small legend" data-testid="status-legend">
              <i className="dot dot-ok" /> ok <i className="dot dot-error" /> error <i className="dot dot-running" /> running
            </span>
          </div>
        </>
      ) : null}
    </div>
  );
}
