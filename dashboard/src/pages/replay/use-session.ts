import { useEffect, useMemo, useState } from 'react';
import { api } from '../../api/client';
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

  useEffect(() => {
    const ctrl = new AbortController();
    setError(undefined);
    setComplete(false);
    (async () => {
      let all: Step[] = [];
      let cursor: string | null | undefined;
      let limit = FIRST_PAGE;
      do {
        const path = sessionPagePath(id, limit, cursor);
        // The first page may already be on its way: the router asked for it with the route chunk.
        const r = await ((sessionPrefetch.take(path) as Promise<SessionDetailResponse> | undefined) ??
          api<SessionDetailResponse>(path, { signal: ctrl.signal }));
        if (ctrl.signal.aborted) return;
        if (!cursor) performance.mark('cairn:replay:first-page'); // for bench/dashboard/replay-profile.mjs
        all = cursor ? all.concat(r.steps) : r.steps;
        setSession(r.session);
        setCaps(r.caps);
        if (!cursor) setScores(r.scores);
        setSteps(all);
        cursor = r.next_steps_cursor;
        limit = NEXT_PAGE;
      } while (cursor && !ctrl.signal.aborted);
      setComplete(true);
    })().catch((e: Error) => {
      if (!ctrl.signal.aborted) setError(e);
    });
    return () => ctrl.abort();
  }, [id, tick]);

  const model = useMemo(() => {
    if (!steps) return undefined;
    const start = performance.now();
    const m = buildModel(steps);
    performance.measure(`cairn:replay:model ${steps.length}`, { start });
    return m;
  }, [steps]);
  return { session, caps, model, scores, complete, error, reload: () => setTick((t) => t + 1) };
}
