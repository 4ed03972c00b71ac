import { AsyncLocalStorage } from 'node:async_hooks';

/*
 * The abort signal of the work a read statement is for — an API request whose client may leave.
 * Set once per request (the API's HTTP server), read where statements are sent (store.query,
 * queryText), so the query functions between them carry no signal parameter. In embedded mode
 * chDB runs parameterized statements one at a time, in order: a statement whose signal is aborted
 * while it waits for its turn is skipped, so a page the user has left no longer delays the one
 * they went to. Writes never take the signal: an insert is done or not by its own logic.
 */
const scope = new AsyncLocalStorage<AbortSignal>();

/** Runs `fn` (and all it starts) with `signal` as the abort signal of its read statements. */
export function runInAbortScope<T>(signal: AbortSignal, fn: () => T): T {
  return scope.run(signal, fn);
}

/**
 * Runs `fn` outside any request's scope: for work shared between requests (a key or sign-in
 * lookup that later requests join, a cache fill), which one client leaving must not cancel.
 */
export function outsideAbortScope<T>(fn: () => T): T {
  return scope.exit(fn);
}

/** The signal of the current read statement's work, if it runs in one. */
export function currentAbortSignal(): AbortSignal | undefined {
  return scope.getStore();
}

/** The client option carrying the current signal (none outside a scope), for every read path. */
export function abortOption(): { abort_signal?: AbortSignal } {
  const signal = scope.getStore();
  return signal ? { abort_signal: signal } : {};
}

/** Whether `err` is a statement abandoned through its signal (the client went away). */
export function isAbortError(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e.name === 'AbortError' || (e as { code?: unknown }).code === 'CHDB_ABORT') return true;
  }
  return false;
}
