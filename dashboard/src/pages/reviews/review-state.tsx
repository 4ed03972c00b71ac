import { useMemo } from 'react';
import type { ReviewItem, StepDetailResponse } from '../../api/types';
import { ErrorBox, Skeleton } from '../../components/common';
import { diffJson, diffStats, parseJson } from '../../lib/json-diff';
import { useApi } from '../../lib/use-api';
import { loadStep } from '../replay/step-cache';
import { StateTree } from '../replay/state-tree';

/**
 * The state at the decision point against the latest snapshot before it, with the replay's diff
 * tree. "At" is the state the escalation carried, else the step's own snapshot; "before" is the
 * replay's previous snapshot of that step.
 */
export function ReviewStateDiff({ item }: { item: ReviewItem }) {
  const step = useApi<StepDetailResponse>(`step-${item.session_id}-${item.span_id}`, () =>
    loadStep(item.session_id, item.span_id),
  );
  const d = step.data;
  const view = useMemo(() => {
    if (!d) return undefined;
    const at =
      item.state !== null && item.state !== undefined ? { ok: true as const, value: item.state } : parseJson(d.step.state);
    const before = parseJson(d.previous_state?.state);
    if (!at.ok) return { root: undefined, before };
    return { root: diffJson(before.ok ? before.value : undefined, at.value, '$', before.ok), before };
  }, [d, item.state]);
  if (step.error) {
    // The step may not have reached the store yet (or was never exported): the escalation's own state still shows.
    if (item.state === null || item.state === undefined)
      return <ErrorBox error={step.error} retry={step.reload} what="the step" />;
    return <StateTree root={diffJson(undefined, item.state, '$', false)} />;
  }
  if (!view) return <Skeleton rows={4} />;
  if (!view.root) return <p className="muted">No state recorded at or before this step.</p>;
  const stats = view.before.ok ? diffStats(view.root) : undefined;
  return (
    <div data-testid="review-state">
      <div className="muted small state-legend" data-testid="state-summary">
        {stats ? (
          <>
            State at the decision point vs the snapshot before it ({d!.previous_state!.span_id.slice(0, 8)}):{' '}
            <span className="st-added-t">+{stats.added} added</span> ·{' '}
            <span className="st-removed-t">−{stats.removed} removed</span> ·{' '}
            <span className="st-changed-t">~{stats.changed} changed</span>
          </>
        ) : (
          'State at the decision point (no snapshot before it).'
        )}
      </div>
      <StateTree root={view.root} />
    </div>
  );
}
