import { lazy, startTransition, Suspense, useCallback, useEffect, useRef, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { ErrorBox, Skeleton } from '../../components/common';
import { afterPaint } from '../../lib/after-paint';
import { nextIn } from './replay-model';
import { ReplayHeader } from './replay-header';
import { loadStep } from './step-cache';
import { StepPanel, TABS, type Tab } from './step-panel';
import { StepTree } from './step-tree';
import { Timeline } from './timeline';
import { ShortcutHelp, Transport } from './transport';
import { usePlayback } from './use-playback';
import { useSession } from './use-session';

const ReplayCharts = lazy(() => import('./replay-charts'));

const typing = (t: EventTarget | null) => {
  const el = t as HTMLElement | null;
  return (
    !!el &&
    (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable) &&
    (el as HTMLInputElement).type !== 'range'
  );
};

export default function ReplayPage() {
  const { id = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const { session, caps, model, scores, complete, error, reload } = useSession(id);
  const filterRef = useRef<HTMLInputElement>(null);
  const [help, setHelp] = useState(false);
  // Rows first: the first commit with steps has the header and the tree; the timeline, step panel,
  // charts (a lazy chunk) and transport come in a second commit once those rows are painted. Their
  // render, the chunk and the step's own request would otherwise delay the rows' first paint. Their
  // grid rows are held by empty boxes meanwhile, so the tree does not move. A transition: React
  // renders that second part in slices, so the page still answers input and paints meanwhile.
  const [rest, setRest] = useState(false);
  const hasSteps = !!model?.steps.length;
  useEffect(() => (hasSteps && !rest ? afterPaint(() => startTransition(() => setRest(true))) : undefined), [hasSteps, rest]);

  // The URL names the step by span id (stable while a running session grows) and the tab.
  const stepParam = params.get('step');
  const current = model
    ? Math.min(model.steps.length - 1, Math.max(0, (stepParam ? model.bySpan.get(stepParam) : undefined) ?? 0))
    : 0;
  const tabParam = params.get('tab');
  // Opened from a review item: its step is marked as the decision point.
  const reviewId = params.get('review');
  const markSpan = params.get('mark');
  const tab: Tab = (TABS as readonly string[]).includes(tabParam ?? '') ? (tabParam as Tab) : 'messages';

  // Key repeat can outrun rendering: relative moves start from the last step asked for, not
  // from the last one rendered, so three quick → presses always move three steps.
  const curRef = useRef(current);
  curRef.current = current;
  const go = useCallback(
    (i: number) => {
      if (!model || !model.steps.length) return;
      const clamped = Math.min(model.steps.length - 1, Math.max(0, i));
      curRef.current = clamped;
      const s = model.steps[clamped]!;
      setParams(
        (p) => {
          const n = new URLSearchParams(p);
          n.set('step', s.span_id);
          return n;
        },
        { replace: true },
      );
    },
    [model, setParams],
  );
  const setTab = (t: Tab) =>
    setParams(
      (p) => {
        const n = new URLSearchParams(p);
        n.set('tab', t);
        return n;
      },
      { replace: true },
    );

  const pb = usePlayback(model, current, go, (next) => {
    // Prefetch the payload of the step playback moves to next.
    const s = model?.steps[next + 1];
    if (s) void loadStep(id, s.span_id).catch(() => undefined);
  });

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!model || typing(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
      const at = curRef.current;
      const jump = (dir: 1 | -1) => {
        const t = nextIn(model.incidents, at, dir);
        if (t !== undefined) go(t);
      };
      switch (e.key) {
        case ' ':
          pb.toggle();
          break;
        case 'ArrowRight':
          if (e.shiftKey) jump(1);
          else go(at + 1);
          break;
        case 'ArrowLeft':
          if (e.shiftKey) jump(-1);
          else go(at - 1);
          break;
        case 'Home':
          go(0);
          break;
        case 'End':
          go(model.steps.length - 1);
          break;
        case '/':
          filterRef.current?.focus();
          break;
        case '?':
          setHelp((h) => !h);
          break;
        case 'Escape':
          setHelp(false);
          break;
        default:
          if (/^[1-5]$/.test(e.key)) setTab(TABS[Number(e.key) - 1]!);
          else return;
      }
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  if (error) return <ErrorBox error={error} retry={reload} what={`session "${id}"`} />;
  if (!session || !model) return <Skeleton rows={16} />;
  if (!model.steps.length) return <div className="empty">This session has no steps.</div>;
  const step = model.steps[current]!;

  return (
    <div className="replay" data-testid="replay" data-current={current}>
      <ReplayHeader s={session} complete={complete} />
      <div className="replay-top">
        <StepTree ref={filterRef} model={model} current={current} onSelect={go} />
        {rest ? <Timeline model={model} current={current} onSelect={go} /> : <div className="timeline" />}
      </div>
      {reviewId ? (
        <div className="review-banner" data-testid="review-banner">
          Decision point under review: step <span className="mono">{(markSpan ?? '').slice(0, 10)}</span>
          {step.span_id !== markSpan && markSpan && model.bySpan.has(markSpan) ? (
            <button type="button" className="ghost" onClick={() => go(model.bySpan.get(markSpan)!)}>
              Back to it
            </button>
          ) : null}
          <Link to={`/reviews/${encodeURIComponent(reviewId)}`}>← review item</Link>
        </div>
      ) : null}
      {rest ? (
        <>
          <StepPanel sessionId={id} step={step} tab={tab} onTab={setTab} scores={scores} marked={step.span_id === markSpan} />
          <Suspense
            fallback={
              <div className="charts">
                <Skeleton rows={3} />
              </div>
            }
          >
            <ReplayCharts
              model={model}
              current={current}
              onSelect={go}
              capUsd={caps?.max_cost_usd ?? null}
              totalCostUsd={session.cost_usd}
            />
          </Suspense>
          <Transport model={model} current={current} go={go} {...pb} onHelp={() => setHelp(true)} />
        </>
      ) : (
        <>
          <div className="step-panel" />
          <div className="charts" />
          <div className="transport" />
        </>
      )}
      {help ? <ShortcutHelp onClose={() => setHelp(false)} /> : null}
    </div>
  );
}
