import { rawSql, type Store } from './store.js';
import { chTime } from './queries/time.js';
import { nextVersion } from './versioned-table.js';

/**
 * Spans the store refused for a data error, kept with the error (migration 0005). The writer
 * adds them; the API lists and re-drives them. `line` is the span's insert line
 * (`encodeSpanLines`), so a re-drive inserts exactly what was refused.
 */
export interface NewDeadLetter {
  project_id: string;
  /** Stable for the same refused line of the same batch, so a replayed batch adds no second copy. */
  dead_letter_id: string;
  /** Epoch milliseconds. */
  received_ms: number;
  reason: string;
  /** ClickHouse's error code (0 when the error carried none). */
  error_code: number;
  trace_id: string;
  span_id: string;
  line: string;
}

export interface DeadLetterRecord extends NewDeadLetter {
  /** Epoch milliseconds of a successful re-drive, or null. */
  redriven_ms: number | null;
}

export interface DeadLetterFilter {
  projectId: string;
  reason?: string;
  /** Epoch milliseconds, inclusive. */
  fromMs?: number;
  /** Epoch milliseconds, exclusive. */
  toMs?: number;
  /** Only rows not re-driven yet. */
  pendingOnly?: boolean;
  /** Only these ids. */
  ids?: readonly string[];
  /** Paging: rows strictly before (received_ms, dead_letter_id), newest first. */
  before?: { ms: number; id: string };
  /** Oldest first instead (a re-drive takes the oldest); `before` does not apply. */
  oldestFirst?: boolean;
  limit: number;
}

function toRow(d: NewDeadLetter, redrivenMs: number | null): object {
  return {
    project_id: d.project_id,
    dead_letter_id: d.dead_letter_id,
    received_at: chTime(d.received_ms),
    reason: d.reason,
    error_code: d.error_code,
    trace_id: d.trace_id,
    span_id: d.span_id,
    line: d.line,
    redriven_at: redrivenMs === null ? null : chTime(redrivenMs),
    version: nextVersion(),
  };
}

/** Adds dead letters (one insert). Throws when the store refuses them: the caller keeps them elsewhere. */
export async function insertDeadLetters(store: Store, rows: readonly NewDeadLetter[]): Promise<void> {
  if (rows.length === 0) return;
  await rawSql(store).insertRows(
    'dead_letters',
    rows.map((d) => toRow(d, null)),
  );
}

/** Records a successful re-drive: a new version of each row with `redriven_at` set. */
export async function markRedriven(store: Store, rows: readonly DeadLetterRecord[], atMs = Date.now()): Promise<void> {
  if (rows.length === 0) return;
  await rawSql(store).insertRows(
    'dead_letters',
    rows.map((d) => toRow(d, atMs)),
  );
}

interface Row {
  project_id: string;
  dead_letter_id: string;
  received_ms: number | string;
  reason: string;
  error_code: number | string;
  trace_id: string;
  span_id: string;
  line: string;
  redriven_ms: number | string | null;
}

/** Dead letters of one project, newest first (unless `oldestFirst`). */
export async function listDeadLetters(store: Store, f: DeadLetterFilter): Promise<DeadLetterRecord[]> {
  const where = ['project_id = {project:String}'];
  const params: Record<string, unknown> = { project: f.projectId, limit: f.limit };
  if (f.reason !== undefined) {
    where.push('positionCaseInsensitive(reason, {reason:String}) > 0');
    params.reason = f.reason;
  }
  if (f.fromMs !== undefined) {
    where.push('received_at >= fromUnixTimestamp64Milli({from:Int64})');
    params.from = f.fromMs;
  }
  if (f.toMs !== undefined) {
    where.push('received_at < fromUnixTimestamp64Milli({to:Int64})');
    params.to = f.toMs;
  }
  if (f.pendingOnly) where.push('redriven_at IS NULL');
  if (f.ids !== undefined) {
    where.push('dead_letter_id IN {ids:Array(String)}');
    params.ids = f.ids;
  }
  if (f.before && !f.oldestFirst) {
    where.push('(toUnixTimestamp64Milli(received_at), dead_letter_id) < ({bms:Int64}, {bid:String})');
    params.bms = f.before.ms;
    params.bid = f.before.id;
  }
  const rows = await rawSql(store).query<Row>(
    `SELECT project_id, dead_letter_id, toUnixTimestamp64Milli(received_at) AS received_ms, reason, error_code,
            trace_id, span_id, line, toUnixTimestamp64Milli(redriven_at) AS redriven_ms
     FROM dead_letters FINAL
     WHERE ${where.join(' AND ')}
     ORDER BY received_at ${f.oldestFirst ? 'ASC' : 'DESC'}, dead_letter_id ${f.oldestFirst ? 'ASC' : 'DESC'}
     LIMIT {limit:UInt32}`,
    params,
  );
  return rows.map((r) => ({
    project_id: r.project_id,
    dead_letter_id: r.dead_letter_id,
    received_ms: Number(r.received_ms),
    reason: r.reason,
    error_code: Number(r.error_code),
    trace_id: r.trace_id,
    span_id: r.span_id,
    line: r.line,
    redriven_ms: r.redriven_ms === null ? null : Number(r.redriven_ms),
  }));
}
