import { CairnError, STORABLE_TIME_MAX_MS, STORABLE_TIME_MIN_MS } from '@cairn/schemas';

/**
 * A time filter value: ISO 8601 or epoch milliseconds. Returns epoch milliseconds, inside the
 * range the store can hold (beyond it ClickHouse would overflow the DateTime64 and answer an error).
 */
export function parseTime(value: string, field: string): number {
  const ms = /^\d{1,15}$/.test(value) ? Number(value) : /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) {
    throw new CairnError(
      'CAIRN_BAD_REQUEST',
      `${field} must be an ISO 8601 time or epoch milliseconds, got "${value.slice(0, 50)}"`,
    );
  }
  if (ms < STORABLE_TIME_MIN_MS || ms > STORABLE_TIME_MAX_MS) {
    throw new CairnError(
      'CAIRN_BAD_REQUEST',
      `${field} must be between ${new Date(STORABLE_TIME_MIN_MS).toISOString()} and ${new Date(STORABLE_TIME_MAX_MS).toISOString()}`,
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
