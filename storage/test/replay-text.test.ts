import { describe, expect, it } from 'vitest';
import { textOf } from '../src/connection.js';
import { IsoClock } from '../src/queries/replay.js';
import { seededRandom } from '@cairn/testkit';

// The replay's two shortcuts must give exactly what the plain calls give.
describe('IsoClock', () => {
  it('formats like Date#toISOString, across minutes, hours, days and millisecond padding', () => {
    const clock = new IsoClock();
    const rand = seededRandom(3);
    let ms = Date.UTC(2026, 11, 31, 23, 58, 59, 995);
    const seen: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      // Mostly small steps (a session's spans), sometimes a jump back or far ahead.
      const r = rand();
      ms += r < 0.9 ? Math.floor(rand() * 1500) : r < 0.95 ? -Math.floor(rand() * 120_000) : Math.floor(rand() * 9e9);
      seen.push(ms);
      expect(clock.iso(ms)).toBe(new Date(ms).toISOString());
    }
    // Before 1970 and past year 9999 too.
    for (const v of [-1, -60_001, 0, 59_999, 60_000, Date.UTC(10_000, 0, 1, 0, 0, 1, 7), Date.UTC(1969, 11, 31, 23, 59, 59, 9)]) {
      expect(clock.iso(v)).toBe(new Date(v).toISOString());
    }
    expect(new Set(seen.map((v) => Math.floor(v / 60_000))).size).toBeGreaterThan(100);
  });
});

describe('textOf', () => {
  it('reads ASCII and UTF-8 bytes as the same text as a UTF-8 decode', () => {
    for (const s of ['{"a":"plain ascii","n":[1,2,3]}', 'naïve — 東京 🚀', '', '\u0000\u007f', 'é']) {
      const bytes = Buffer.from(s, 'utf8');
      expect(textOf(bytes)).toBe(s);
      expect(textOf(bytes)).toBe(bytes.toString('utf8'));
    }
  });
});
