import { Link } from 'react-router';
import { api } from '../../api/client';
import type { ReviewItem, SessionDetailResponse } from '../../api/types';
import { Agent, ErrorBox, Skeleton } from '../../components/common';
import { DataTable, type Column } from '../../components/data-table';
import { confidence, money } from '../../lib/format';
import { useApi } from '../../lib/use-api';
import { replayLink } from './review-query';

type Step = SessionDetailResponse['steps'][number];

/** Steps shown on each side of the decision point. */
const AROUND = 4;

/**
 * The decision point in its run: the steps just before and after it, in replay order, with the
 * decision point highlighted; each row opens the replay at that step (the decision point stays
 * marked there).
 */
export function StepsAround({ item }: { item: ReviewItem }) {
  const r = useApi<SessionDetailResponse>(`steps-${item.session_id}`, (signal) =>
    api(`/api/sessions/${encodeURIComponent(item.session_id)}`, { signal }),
  );
  if (r.error) return <ErrorBox error={r.error} retry={r.reload} what="the session's steps" />;
  if (!r.data) return <Skeleton rows={5} />;
  const steps = r.data.steps;
  const at = steps.findIndex((s) => s.span_id === item.span_id);
  if (at < 0) return <p className="muted">The step has not reached the store yet.</p>;
  const shown = steps.slice(Math.max(0, at - AROUND), at + AROUND + 1);
  const base = replayLink(item);
  const link = (spanId: string) => base.replace(`step=${encodeURIComponent(item.span_id)}`, `step=${encodeURIComponent(spanId)}`);
  const columns: Column<Step>[] = [
    { className: 'num muted', cell: (s) => s.index + 1 },
    { cell: (s) => <span className={`kind kind-${s.kind}`}>{s.kind}</span> },
    {
      cell: (s) => (
        <>
          <Link to={link(s.span_id)}>{s.name}</Link>
          {s.span_id === item.span_id ? <b className="small"> ◀ decision point</b> : null}
        </>
      ),
    },
    { cell: (s) => <Agent name={s.agent_name} /> },
    { num: true, cell: (s) => `conf ${confidence(s.confidence)}` },
    { className: 'num muted', cell: (s) => `so far ${money(s.cumulative_cost_usd)}` },
  ];
  return (
    <DataTable
      testId="steps-around"
      headless
      columns={columns}
      rows={shown}
      rowKey={(s) => s.span_id}
      rowProps={(s) => ({ className: s.span_id === item.span_id ? 'selected' : undefined, 'data-span': s.span_id })}
    />
  );
}
