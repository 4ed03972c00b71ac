import { CairnError, type BudgetPeriod } from '@cairn/schemas';

/** A budget period: [start, end) in epoch milliseconds. */
export interface PeriodBounds {
  start: number;
  end: number;
}

const HOUR_MS = 3_600_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether `tz` is an IANA timezone this runtime knows. */
export function isValidTimeZone(tz: string): boolean {
  try {
    formatterOf(tz);
    return true;
  } catch {
    return false;
  }
}

export function assertTimeZone(tz: string): void {
  if (!isValidTimeZone(tz)) throw new CairnError('CAIRN_BAD_REQUEST', `unknown IANA timezone "${tz.slice(0, 64)}"`);
}

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallOf(ms: number, timeZone: string): Wall {
  const parts: Record<string, number> = {};
  for (const p of formatterOf(timeZone).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year ?? 1970,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

/** The zone's offset from UTC at instant `ms`, in milliseconds (wall clock minus UTC). */
function offsetAt(ms: number, timeZone: string): number {
  const w = wallOf(ms, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant a wall-clock time (given as if it were UTC) happens in the zone. Where the wall
 * time does not exist (a DST gap at midnight), the answer is the first instant after the gap.
 */
function instantOfWall(wallAsUtc: number, timeZone: string): number {
  let guess = wallAsUtc - offsetAt(wallAsUtc, timeZone);
  guess = wallAsUtc - offsetAt(guess, timeZone);
  const back = wallOf(guess, timeZone);
  const backUtc = Date.UTC(back.year, back.month - 1, back.day, back.hour, back.minute, back.second);
  // In a gap the round trip lands before the wanted wall time: move forward by the difference.
  return backUtc < wallAsUtc ? guess + (wallAsUtc - backUtc) : guess;
}

/** Midnight starting the period that holds `wall`, as a wall time encoded in UTC milliseconds. */
function periodStartWall(period: BudgetPeriod, w: Wall): number {
  if (period === 'month') return Date.UTC(w.year, w.month - 1, 1);
  const midnight = Date.UTC(w.year, w.month - 1, w.day);
  if (period === 'day') return midnight;
  const dow = new Date(midnight).getUTCDay(); // 0 = Sunday; ISO weeks start on Monday
  return midnight - ((dow + 6) % 7) * 86_400_000;
}

function nextPeriodWall(period: BudgetPeriod, startWall: number): number {
  const d = new Date(startWall);
  if (period === 'month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  return startWall + (period === 'day' ? 1 : 7) * 86_400_000;
}

/**
 * The calendar period holding `nowMs`: day, ISO week (Monday) or month, in `timeZone` (IANA;
 * default UTC). Boundaries are local midnights, so a day is 23 or 25 hours long across DST.
 */
export function periodBounds(period: BudgetPeriod, nowMs: number, timeZone = 'UTC'): PeriodBounds {
  if (timeZone === 'UTC') {
    const w = wallOf(nowMs, 'UTC');
    const start = periodStartWall(period, w);
    return { start, end: nextPeriodWall(period, start) };
  }
  const startWall = periodStartWall(period, wallOf(nowMs, timeZone));
  return {
    start: instantOfWall(startWall, timeZone),
    end: instantOfWall(nextPeriodWall(period, startWall), timeZone),
  };
}

/**
 * The `cost_hourly` buckets counted for a period: `[floorHour(start), floorHour(end))`. Spend is
 * rolled up per UTC hour, so in zones whose offset is not a whole number of hours (India +5:30,
 * Nepal +5:45) the hour holding a boundary counts entirely toward the period that starts in it.
 */
export function hourRange(b: PeriodBounds): PeriodBounds {
  return { start: Math.floor(b.start / HOUR_MS) * HOUR_MS, end: Math.floor(b.end / HOUR_MS) * HOUR_MS };
}
