/** Time text shared by the alert-engine tables (row versions: `nextVersion` in ../versioned-table.ts). */

/** A DateTime64 as ClickHouse's toString prints it (UTC) → ISO 8601. */
export function isoOfCh(s: string): string {
  const ms = Date.parse(s.includes('T') ? s : s.replace(' ', 'T') + 'Z');
  return Number.isFinite(ms) ? new Date(ms).toISOString() : s;
}

export function msOfCh(s: string): number {
  return Date.parse(s.includes('T') ? s : s.replace(' ', 'T') + 'Z');
}
