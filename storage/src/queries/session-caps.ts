import { CAP_ATTRS, type CapField, type SessionCaps } from '@cairn/schemas';
import { rawSql, type Store } from '../store.js';

const FIELDS = Object.keys(CAP_ATTRS) as CapField[];

/**
 * One cap value as the collector left it in the `attributes` JSON: a number, or a quoted decimal
 * for an int64 beyond 2^53. Anything else (absent, negative, a string a user set by hand) is no cap.
 */
function capValue(raw: string | undefined): number | null {
  if (raw === undefined || raw === '') return null;
  const n = Number(raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw);
  return Number.isFinite(n) && n >= 0 ? n : null;
}

/**
 * The caps the SDK recorded on a session's root span (`cairn.cap.*`), or null when it has none.
 * The collector keeps attributes no column took in `spans.attributes` (JSON text), so the values
 * are extracted there. Cheap beside the replay query: `kind = 'session'` is a LowCardinality
 * filter ClickHouse applies before reading `attributes`, inside one session's key range, and only
 * five keys leave the server. The root (no parent) wins over a session span nested by hand.
 */
export async function getSessionCaps(store: Store, projectId: string, sessionId: string): Promise<SessionCaps | null> {
  const { sql, params } = capsStatement();
  const rows = await rawSql(store).query<CapsRow>(sql, { ...params, p: projectId, id: sessionId });
  return capsOf(rows[0]);
}

export type CapsRow = Record<CapField, string>;

/**
 * The statement of `getSessionCaps`: parameters `p` and `id` (the session) besides the returned
 * ones (the attribute keys). Also one part of the replay's head statement (session-detail.ts).
 */
export function capsStatement(): { sql: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  const columns = FIELDS.map((f, i) => {
    params[`k${i}`] = CAP_ATTRS[f];
    return `JSONExtractRaw(attributes, {k${i}:String}) AS ${f}`;
  });
  const sql = `SELECT ${columns.join(', ')}
     FROM spans
     WHERE project_id = {p:String} AND session_id = {id:String} AND kind = 'session'
     ORDER BY parent_span_id != '', start_time, span_id
     LIMIT 1`;
  return { sql, params };
}

/** The caps of the statement's row (none: no session span), null when no cap is set. */
export function capsOf(row: CapsRow | undefined): SessionCaps | null {
  if (!row) return null;
  const caps = Object.fromEntries(FIELDS.map((f) => [f, capValue(row[f])])) as SessionCaps;
  return FIELDS.some((f) => caps[f] !== null) ? caps : null;
}
