/**
 * Requests that index.html's inline script starts while the app's JavaScript is still loading:
 * the session check (`/api/auth/me`) and, when the page opened is a replay, its first page of
 * steps. Started from the app they would wait for the bundle, React's first mount and then each
 * other (the replay only asks once signed in) — three round trips in a row before the first rows.
 * Each response is handed out once; the script and `sessionPagePath` must build the same path
 * (dashboard/test/early-requests.test.ts runs the script to check).
 */
declare global {
  interface Window {
    __cairnEarly?: Record<string, Promise<Response>>;
  }
}

/** The early request for `path` if index.html started one and nobody took it yet (removed: used once). */
export function takeEarly(path: string): Promise<Response> | undefined {
  const early = typeof window === 'undefined' ? undefined : window.__cairnEarly;
  const started = early?.[path];
  if (started) delete early[path];
  return started;
}

/**
 * Signed out (the session check failed): forget the early requests. They were sent without a valid
 * session and answer 401; after signing in, the page must ask again rather than read those.
 */
export function dropEarly(): void {
  if (typeof window !== 'undefined') delete window.__cairnEarly;
}
