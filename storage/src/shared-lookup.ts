import { outsideAbortScope } from './statement-scope.js';

/**
 * Lookups that concurrent callers share: while one for a key is in flight, callers of the same
 * key wait for its answer instead of queueing the same statement behind it (chDB runs one
 * statement at a time). A shared lookup runs outside any request's abort scope, so the client of
 * the request that started it cannot cancel it for the others. `keep` (the caller's cache write)
 * runs only if no `invalidate()` came after the lookup began: such a lookup may have read a key
 * or a sign-in before its revocation.
 */
export class SharedLookups<V> {
  private readonly inFlight = new Map<string, Promise<V>>();
  private generation = 0;

  run(key: string, fetch: () => Promise<V>, keep: (value: V) => void): Promise<V> {
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const started = this.generation;
    const lookup: Promise<V> = outsideAbortScope(fetch)
      .then((value) => {
        if (started === this.generation) keep(value);
        return value;
      })
      .finally(() => {
        if (this.inFlight.get(key) === lookup) this.inFlight.delete(key);
      });
    this.inFlight.set(key, lookup);
    return lookup;
  }

  /** Lookups begun before this keep nothing; one key's (or every) lookup in flight is forgotten. */
  invalidate(key?: string): void {
    this.generation++;
    if (key === undefined) this.inFlight.clear();
    else this.inFlight.delete(key);
  }
}
