/**
 * index.html's inline script starts the session check and a replay's first page before the bundle
 * loads; the app takes them by path (api/early.ts, session-prefetch.ts). The script is plain JS in
 * the HTML, so this runs it as the browser would (in a VM context with `location` and `fetch`) and
 * checks it asks for exactly the paths the app will look for — a mismatch would cost a second
 * request and the time the script is there to save.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { firstPagePath } from '../src/pages/replay/session-prefetch';

const html = readFileSync(resolve(dirname(fileURLToPath(import.meta.url)), '../index.html'), 'utf8');
const inline = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);

/** Runs the inline script for `pathname`; the paths it fetched, and what it left for the app. */
function runAt(pathname: string) {
  const fetched: { path: string; credentials?: string }[] = [];
  const window: { __cairnEarly?: Record<string, Promise<unknown>> } = {};
  const fetch = (path: string, init?: { credentials?: string }) => {
    fetched.push({ path, credentials: init?.credentials });
    return Promise.reject(new Error('offline')); // a failed request must not be an unhandled rejection
  };
  for (const code of inline) runInNewContext(code, { window, location: { pathname }, fetch });
  return { fetched, early: Object.keys(window.__cairnEarly ?? {}) };
}

describe('index.html early requests', () => {
  it('has one inline script, run before the module bundle', () => {
    expect(inline).toHaveLength(1);
    expect(html.indexOf('<script>')).toBeLessThan(html.indexOf('<script type="module"'));
  });

  it('asks for the session check on every page, with the sign-in cookie', () => {
    for (const p of ['/', '/sign-in', '/sessions', '/reviews/r1', '/sessions/a/b']) {
      const { fetched, early } = runAt(p);
      expect(early, p).toEqual(['/api/auth/me']);
      expect(fetched, p).toEqual([{ path: '/api/auth/me', credentials: 'same-origin' }]);
    }
  });

  it("asks for a replay's first page under the very path the app takes it by", () => {
    for (const p of [
      '/sessions/sess-10k',
      '/sessions/sess-10k/',
      '/sessions/sess%20a%2F1',
      '/sessions/%C3%A9t%C3%A9',
      "/sessions/a'b(c)",
    ]) {
      const { fetched, early } = runAt(p);
      const want = firstPagePath(p);
      expect(want, p).toBeDefined();
      expect(early, p).toEqual(['/api/auth/me', want]);
      expect(fetched.map((f) => f.path)).toEqual(['/api/auth/me', want]);
    }
  });

  it('a malformed pathname gets the session check only, and no exception', () => {
    expect(runAt('/sessions/%E0%A4%A').early).toEqual(['/api/auth/me']);
  });
});
