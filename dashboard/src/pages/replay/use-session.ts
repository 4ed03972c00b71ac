import { startTransition, useEffect, useMemo, useRef, useState } from 'react';
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

export function useSession(id: string): SessionData {
  const [session, setSession] = useState<SessionSummary>();
  const [caps, setCaps] = useState<SessionCaps | null>();
  const [steps, setSteps] = useState<Step[]>();
  const [scores, setScores] = useState<Score[]>([]);
  const [complete, setComplete] = useState(false);
  const [error, setError] = useState<Error>();
  const [tick, setTick] = useState(0);
  // Resolved once the first page's rows are on screen (an effect after that commit, then a paint):
  // the next page is only asked for then. Its answer is the whole rest of the session (megabytes
  // for 10,000 steps): building it on the server and parsing it here would otherwise compete with
  // the first rows' render for the same cores.
  const firstShown = useRef<(() => void) | null>(null);

  useEffect(() => {
    const ctrl = new AbortController();
    setError(undefined);
    setComplete(false);
    (async () => {
      let all: Step[] = [];
      let cursor: string | null | undefined;
      let limit = FIRST_PAGE;
      do {
        const first = !cursor;
        const path = sessionPagePath(id, limit, cursor);
        // The first page may already be on its way: the router asked for it with the route chunk.
        const r = await ((sessionPrefetch.take(path) as Promise<SessionDetailResponse> | undefined) ??
          api<SessionDetailResponse>(path, { signal: ctrl.signal }));
        if (ctrl.signal.aborted) return;
        if (first) performance.mark('cairn:replay:first-page'); // for bench/dashboard/replay-profile.mjs
        all = first ? r.steps : all.concat(r.steps);
        const show = () => {
          setSession(r.session);
          setCaps(r.caps);
          if (first) setScores(r.scores);
          setSteps(all);
        };
        // The first page as soon as possible; the later ones (thousands of steps: the model, the
        // timeline and the charts all redrawn) as a transition, which React renders in slices.
        if (first) show();
        else startTransition(show);
        cursor = r.next_steps_cursor;
        if (cursor && first) {
          await new Promise<void>((resolve) => (firstShown.current = resolve));
          if (ctrl.signal.aborted) return;
        }
        limit = NEXT_PAGE;
      } while (cursor && !ctrl.signal.aborted);
      startTransition(() => setComplete(true)); // with the last page, not before it
    })().catch((e: Error) => {
      if (!ctrl.signal.aborted) setError(e);
    });
    return () => ctrl.abort();
  }, [id, tick]);

  useEffect(() => {
    const shown = firstShown.current;
    if (!steps || !shown) return;
    firstShown.current = null;
    return afterPaint(shown);
  }, [steps]);

  const model = useMemo(() => {
    if (!steps) return undefined;
    const start = performance.now();
    const m = buildModel(steps);
    performance.measure(`cairn:replay:model ${steps.length}`, { start });
    return m;
  }, [steps]);
  return { session, caps, model, scores, complete, error, reload: () => setTick((t) => t + 1) };
}
