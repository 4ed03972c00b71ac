/**
 * The replay's first request, started as soon as the router knows it is going to /sessions/:id —
 * in parallel with the lazy route chunk — and handed once to `useSession`, which would otherwise
 * only ask after the chunk loaded and React revealed the page (~300 ms later). Kept out of
 * use-session.ts so the entry chunk only gets this file, not the replay model.
 *
 * An entry is used at most once and only while fresh (`ttlMs` from the start of the request), so
 * a later open or a reload asks the server again; a failed request is handed over like an answer,
 * and the page shows the error as before — except a 401: signed out, the page is not shown, and
 * after signing in it must ask again.
 *
 * When the app is opened on a replay, index.html already started that first request (api/early.ts)
 * beside the session check: once that check says signed in, the router's prefetch takes it.
 */
import { api, ApiError, qs } from '../../api/client';
import { takeEarly } from '../../api/early';

/**
 * A first small page paints the replay quickly: the tree shows about 15 rows at 900 px and 36 on a
 * 2160 px screen, so 200 steps are several screens, and the answer stays near 90 kB for a
 * 10,000-step session (500 steps: 224 kB, and the server's time for the page grows with its rows).
 * The rest streams in behind it in big pages once the first rows are painted (use-session.ts).
 */
export const FIRST_PAGE = 200;

/** The request `useSession` makes for a page of a session's detail. */
export function sessionPagePath(id: string, limit: number, cursor?: string | null): string {
  return `/api/sessions/${encodeURIComponent(id)}${qs({ steps_limit: limit, steps_cursor: cursor ?? undefined })}`;
}

export interface PrefetchCache<T> {
  /**
   * Start the request for `path` unless a fresh one is already waiting to be taken; `started`: its
   * response, already on its way.
   */
  prefetch(path: string, started?: Promise<Response>): void;
  /** The waiting request for `path` if there is a fresh one (removed: it is used once), else undefined. */
  take(path: string): Promise<T> | undefined;
}

export function createPrefetchCache<T>(
  load: (path: string, started?: Promise<Response>) => Promise<T>,
  { ttlMs = 10_000, now = () => Date.now() }: { ttlMs?: number; now?: () => number } = {},
): PrefetchCache<T> {
  const entries = new Map<string, { at: number; promise: Promise<T>; timer: ReturnType<typeof setTimeout> }>();
  const drop = (path: string) => {
    const e = entries.get(path);
    if (e) clearTimeout(e.timer);
    entries.delete(path);
  };
  return {
    prefetch(path, started) {
      const e = entries.get(path);
      if (e && now() - e.at <= ttlMs) return;
      drop(path);
      const promise = load(path, started);
      // Nobody may take it (the user went elsewhere): not an unhandled rejection. The taker gets
      // `promise` itself, rejection included. Signed out, it is dropped: signing in asks again.
      promise.catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 401 && entries.get(path)?.promise === promise) drop(path);
      });
      // Frees the (possibly large) answer if it is never taken.
      const timer = setTimeout(() => entries.delete(path), ttlMs + 1);
      entries.set(path, { at: now(), promise, timer });
    },
    take(path) {
      const e = entries.get(path);
      drop(path);
      return e && now() - e.at <= ttlMs ? e.promise : undefined;
    },
  };
}

export const sessionPrefetch = createPrefetchCache<unknown>((path, started) => api<unknown>(path, { started }));

/** The request for the first page of the replay at `pathname` (/sessions/:id), else undefined. */
export function firstPagePath(pathname: string): string | undefined {
  const m = /^\/sessions\/([^/]+)\/?$/.exec(pathname);
  if (!m) return undefined;
  try {
    return sessionPagePath(decodeURIComponent(m[1]!), FIRST_PAGE);
  } catch {
    return undefined; // a malformed %-escape: the page reports the session as not found
  }
}

let lastPathname: string | undefined;
/**
 * Called by the router with the current pathname on every render of the signed-in routes (render
 * time, so it also runs for a navigation React holds in a transition while the chunk loads): the
 * first time a pathname /sessions/:id is seen, its first page is requested.
 */
export function prefetchForPathname(pathname: string): void {
  if (pathname === lastPathname) return;
  lastPathname = pathname;
  const path = firstPagePath(pathname);
  // Opened on this replay: index.html asked already (with the session the check just accepted).
  if (path) sessionPrefetch.prefetch(path, takeEarly(path));
}
