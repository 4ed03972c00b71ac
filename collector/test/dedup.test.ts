import { describe, expect, it } from 'vitest';
import { RecentKeys, spanKeys } from '../src/pipeline/dedup.js';

const hex = (n: number, len: number): string => n.toString(16).padStart(len, '0');
const rows = (from: number, n: number, trace = 'a'.repeat(32)) =>
  Array.from({ length: n }, (_, i) => ({ trace_id: trace, span_id: hex(from + i + 1, 16) }));

describe('spanKeys', () => {
  it('gives equal spans equal keys and tells project, trace and span apart', () => {
    const k = (project: string, trace: string, span: string): string =>
      [...spanKeys(project, [{ trace_id: trace, span_id: span }])].join();
    const t = '0af7651916cd43dd8448eb211c80319c';
    const s = 'b7ad6b7169203331';
    expect(k('p1', t, s)).toBe(k('p1', t, s));
    expect(k('p2', t, s)).not.toBe(k('p1', t, s));
    expect(k('p1', t.replace('0af', '1af'), s)).not.toBe(k('p1', t, s));
    expect(k('p1', t, s.replace('b7', 'b8'))).not.toBe(k('p1', t, s));
    // The boundary between the ids matters.
    expect(k('p1', 'ab', 'c')).not.toBe(k('p1', 'a', 'bc'));
  });

  it('never makes the all-zero key (the tables’ empty slot) and has no collisions over 100k sequential ids', () => {
    const keys = spanKeys('p1', rows(0, 100_000));
    const seen = new Set<string>();
    let zeroLowBit = 0;
    for (let i = 0; i < keys.length; i += 3) {
      if ((keys[i + 2]! & 1) === 0) zeroLowBit++;
      seen.add(`${keys[i]},${keys[i + 1]},${keys[i + 2]}`);
    }
    expect(zeroLowBit).toBe(0);
    expect(seen.size).toBe(100_000);
  });
});

describe('RecentKeys', () => {
  it('remembers added keys only', () => {
    const recent = new RecentKeys(1000);
    const a = spanKeys('p1', rows(0, 10));
    const b = spanKeys('p1', rows(10, 10));
    for (let i = 0; i < 10; i++) recent.add(a, i * 3);
    for (let i = 0; i < 10; i++) {
      expect(recent.has(a, i * 3)).toBe(true);
      expect(recent.has(b, i * 3)).toBe(false);
    }
    recent.add(a, 0);
    expect(recent.size).toBe(10);
  });

  it('keeps two generations of `capacity` keys: memory is bounded, the oldest are forgotten', () => {
    const recent = new RecentKeys(100);
    const keys = spanKeys('p1', rows(0, 250));
    for (let i = 0; i < 250; i++) recent.add(keys, i * 3);
    expect(recent.size).toBeLessThanOrEqual(200);
    expect(recent.has(keys, 249 * 3)).toBe(true);
    expect(recent.has(keys, 100 * 3)).toBe(true);
    expect(recent.has(keys, 0)).toBe(false);
  });
});
