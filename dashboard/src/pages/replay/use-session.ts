import { startTransition, useEffect, useMemo, useState } from 'react';
import { api } from '../../api/client';
import { afterPaint } from '../../lib/after-paint';
import type { Score, SessionCaps, SessionDetailResponse, SessionSummary, Step } from '../../api/types';
import { buildModel, type ReplayModel } from './replay-model';
import { FIRST_PAGE, sessionPagePath, sessionPrefetch } from './session-prefetch';

const NEXT_PAGE = 20_000;

export interface SessionData {
  session?: SessionSummary;
  /** The run's own caps (null: none recorded). */
  caps?: SessionCaps | null;
  model?: ReplayModel;
  /** Scores of the session (human, API and evaluation events), each on its step or the session. */
  scores: Score[];
  complete: boolean;
  error?: Error;
  reload: () => void;
}

/**
 * The first page of one load when the session has more steps: the rest continues from its cursor,
 * under that load's signal (aborted when the id changes, on Retry and on unmount).
 */
interface FirstPage {
  id: string;
  steps: Step[];
  cursor: string;
  signal: AbortSignal;
}

export function useSession(id: string): SessionData {
  const [session, setSession] = useState<SessionSummary>();
  const [caps, setCaps] = useState<SessionCaps | null>();
  const [steps, setSteps] = useState<Step[]>();
  const [scores, setScores] = useState<Score[]>([]);
  const [complete, setComplete] = useState(false);
  const [error, setError] = useState<Error>();
  const [tick, setTick] = useState(0);
  // Set in the same commit as the first page's rows, when steps remain.
  const [firstPage, setFirstPage] = useState<FirstPage>();

  // The first page, shown as soon as it arrives.
  useEffect(() => {
    const ctrl = new AbortController();
    setError(undefined);
    setComplete(false);
    setFirstPage(undefined);
    (async () => {
      const path = sessionPagePath(id, FIRST_PAGE);
      // It may already be on its way: the router asked for it with the route chunk.
      const r = await ((sessionPrefetch.take(path) as Promise<SessionDetailResponse> | undefined) ??
        api<SessionDetailResponse>(path, { signal: ctrl.signal }));
      if (ctrl.signal.aborted) return;
      performance.mark('cairn:replay:first-page'); // for bench/dashboard/replay-profile.mjs
      setSession(r.session);
      setCaps(r.caps);
      setScores(r.scores);
      setSteps(r.steps);
      if (r.next_steps_cursor) setFirstPage({ id, steps: r.steps, cursor: r.next_steps_cursor, signal: ctrl.signal });
      else startTransition(() => setComplete(true)); // with the last page, not before it
    })().catch((e: Error) => {
      if (!ctrl.signal.aborted) setError(e);
    });
    return () => ctrl.abort();
  }, [id, tick]);

  // The rest of the steps, asked for once the first page's rows are painted: its answer is the
  // whole rest of the session (megabytes for 10,000 steps), and building it on the server and
  // parsing it here would otherwise compete with the first rows' render for the same cores. Left
  // before that paint (another session, Retry, unmount), the wait is cancelled and nothing is
  // asked; after it, the load's signal stops the requests.
  useEffect(() => {
    if (!firstPage) return;
    const { signal } = firstPage;
    return afterPaint(() => {
      (async () => {
        let all = firstPage.steps;
        let cursor: string | null = firstPage.cursor;
        while (cursor && !signal.aborted) {
          const r: SessionDetailResponse = await api(sessionPagePath(firstPage.id, NEXT_PAGE, cursor), { signal });
          if (signal.aborted) return;
          all = all.concat(r.steps);
          // Thousands of steps (the model, the timeline and the charts all redrawn): a
          // transition, which React renders in slices.
          startTransition(() => {
            setSession(r.session);
            setCaps(r.caps);
            setSteps(all);
          });
          cursor = r.next_steps_cursor;
        }
        if (!signal.aborted) startTransition(() => setComplete(true));
      })().catch((e: Error) => {
        if (!signal.aborted) setError(e);
      });
    });
  }, [firstPage]);

  const model = useMemo(() => {
    if (!steps) return undefined;
    const start = performance.now();
    const m = buildModel(steps);
    performance.measure(`cairn:replay:model ${steps.length}`, { start });
    return m;
  }, [steps]);
  return { session, caps, model, scores, complete, error, reload: () => setTick((t) => t + 1) };
}
