import { Link } from 'react-router';
import { api } from '../../api/client';
import type { ReviewItem, SessionDetailResponse } from '../../api/types';
import { Agent, ErrorBox, Skeleton } from '../../components/common';
import { confidence, money } from '../../lib/format';
import { useApi } from '../../lib/use-api';
import { replayLink } from './review-query';

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
  return (
    <table className="grid" data-testid="steps-around">
      <tbody>
        {shown.map((s) => (
          <tr key={s.span_id} className={s.span_id === item.span_id ? 'selected' : undefined} data-span={s.span_id}>
            <td className="num muted">{s.index + 1}</td>
            <td>
              <span className={`kind kind-${s.kind}`}>{s.kind}</span>
            </td>
            <td>
              <Link to={base.replace(`step=${encodeURIComponent(item.span_id)}`, `step=${encodeURIComponent(s.span_id)}`)}>
                {s.name}
              </Link>
              {s.span_id === item.span_id ? <b className="small"> ◀ decision point</b> : null}
            </td>
            <td>
              <Agent name={s.agent_name} />
            </td>
            <td className="num">conf {confidence(s.confidence)}</td>
            <td className="num muted">so far {money(s.cumulative_cost_usd)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
