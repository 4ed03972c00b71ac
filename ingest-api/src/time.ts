import { CairnError } from '@cairn/schemas';

/** A time filter value: ISO 8601 or epoch milliseconds. Returns epoch milliseconds. */
export function parseTime(value: string, field: string): number {
  const ms = /^\d{1,15}$/.test(value) ? Number(value) : /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) {
    throw new CairnError(
      'CAIRN_BAD_REQUEST',
      `${field} must be an ISO 8601 time or epoch milliseconds, got "${value.slice(0, 50)}"`,
    );
  }
  return ms;
}

/** Nanoseconds since the epoch (decimal string from ClickHouse) → ISO 8601 with milliseconds. */
export function isoFromNs(ns: string): string {
  return new Date(Number(BigInt(ns) / 1_000_000n)).toISOString();
}

/** Epoch milliseconds → a DateTime64(3) literal ClickHouse parses in any input mode. */
export function chTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}
