/** Money with enough digits to see small costs: $12.34, $0.4120, $0.000123. */
export function money(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return '—';
  if (usd === 0) return '$0';
  const a = Math.abs(usd);
  if (a >= 100) return `$${usd.toFixed(0)}`;
  if (a >= 1) return `$${usd.toFixed(2)}`;
  if (a >= 0.01) return `$${usd.toFixed(4)}`;
  // Three significant digits below a cent, so $0.000123 does not read as $0.0001.
  const digits = Math.min(10, Math.max(4, -Math.floor(Math.log10(a)) + 2));
  return `$${usd.toFixed(digits)}`;
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1) return `${Math.round(ms * 1000)}µs`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s`;
  return `${Math.floor(ms / 3_600_000)}h${String(Math.round((ms % 3_600_000) / 60_000)).padStart(2, '0')}m`;
}

export function count(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  if (Math.abs(n) < 10_000) return String(n);
  if (Math.abs(n) < 1_000_000) return `${(n / 1000).toFixed(n < 100_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

export function relativeTime(iso: string, now = Date.now()): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return iso;
  const s = Math.round((now - t) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  if (s < 30 * 86_400) return `${Math.floor(s / 86_400)}d ago`;
  return new Date(t).toISOString().slice(0, 10);
}

// Made on first use and kept: `toLocaleString` with options builds a new formatter on every
// call (about 1 ms each, 50 in a sessions table).
let localFormat: Intl.DateTimeFormat | undefined;
// What `toLocaleString(undefined, { hour12: false })` writes: numeric date and time to the second.
const n = 'numeric';
const LOCAL_DATE_TIME: Intl.DateTimeFormatOptions = { hour12: false, year: n, month: n, day: n, hour: n, minute: n, second: n };

export function absoluteTime(iso: string): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return iso;
  localFormat ??= new Intl.DateTimeFormat(undefined, LOCAL_DATE_TIME);
  return `${localFormat.format(t)} (${new Date(t).toISOString()})`;
}

export function percent(p: number | null | undefined, digits = 0): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '—';
  return `${p.toFixed(digits)}%`;
}

export function confidence(c: number | null | undefined): string {
  return c === null || c === undefined ? '—' : c.toFixed(2);
}
