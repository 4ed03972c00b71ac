/** Row versions and time text shared by the alert-engine tables (ReplacingMergeTree: a change is a new version). */

/** Versions order changes of one row: microseconds plus a random tail so two writers never tie. */
export const nextVersion = (): number => Date.now() * 1000 + Math.floor(Math.random() * 1000);

/** A DateTime64 as ClickHouse's toString prints it (UTC) → ISO 8601. */
export function isoOfCh(s: string): string {
  const ms = Date.parse(s.includes('T') ? s : s.replace(' ', 'T') + 'Z');
  return Number.isFinite(ms) ? new Date(ms).toISOString() : s;
}

export function msOfCh(s: string): number {
  return Date.parse(s.includes('T') ? s : s.replace(' ', 'T') + 'Z');
}
