import { describe, expect, it } from 'vitest';
import { SharedLookups } from '../src/shared-lookup.js';
import { currentAbortSignal, runInAbortScope } from '../src/statement-scope.js';

/** A lookup the test answers by hand, counting how often it was started. */
function manual() {
  const started: ((v: string) => void)[] = [];
  const fetch = () => new Promise<string>((resolve) => started.push(resolve));
  return { started, fetch };
}

describe('SharedLookups', () => {
  it('runs one lookup for concurrent callers of a key, and one per key', async () => {
    const lookups = new SharedLookups<string>();
    const { started, fetch } = manual();
    const kept: string[] = [];
    const a = lookups.run('k', fetch, (v) => kept.push(v));
    const b = lookups.run('k', fetch, (v) => kept.push(v));
    const c = lookups.run('other', fetch, (v) => kept.push(v));
    expect(started).toHaveLength(2);
    started[0]!('one');
    started[1]!('two');
    expect(await Promise.all([a, b, c])).toEqual(['one', 'one', 'two']);
    expect(kept).toEqual(['one', 'two']);
    // Settled lookups are forgotten: the next call starts a new one.
    void lookups.run('k', fetch, () => undefined);
    expect(started).toHaveLength(3);
  });

  it('keeps nothing from a lookup that began before invalidate(), and starts afresh after it', async () => {
    const lookups = new SharedLookups<string>();
    const { started, fetch } = manual();
    const kept: string[] = [];
    const before = lookups.run('k', fetch, (v) => kept.push(v));
    lookups.invalidate('k');
    const after = lookups.run('k', fetch, (v) => kept.push(v));
    expect(started).toHaveLength(2);
    started[0]!('stale');
    started[1]!('fresh');
    expect(await before).toBe('stale'); // its caller still gets an answer…
    expect(await after).toBe('fresh');
    expect(kept).toEqual(['fresh']); // …but it is not cached
    const dropped = lookups.run('x', fetch, (v) => kept.push(v));
    lookups.invalidate();
    started[2]!('dropped');
    expect(await dropped).toBe('dropped');
    expect(kept).toEqual(['fresh']);
  });

  it("runs outside the caller's abort scope, so that caller leaving cancels no one's lookup", async () => {
    const lookups = new SharedLookups<AbortSignal | undefined>();
    const scope = new AbortController();
    const seen = await runInAbortScope(scope.signal, () =>
      lookups.run(
        'k',
        async () => currentAbortSignal(),
        () => undefined,
      ),
    );
    expect(seen).toBeUndefined();
    expect(await runInAbortScope(scope.signal, async () => currentAbortSignal())).toBe(scope.signal);
  });
});
