/**
 * Sorts a failed insert: a data error — ClickHouse refused the rows themselves, and sending
 * them again can only fail again — or anything else (the store unreachable, overloaded, out of
 * memory, timed out), which a retry can fix. Only data errors lead to bisecting a batch: an
 * outage must never turn spans into dead letters.
 */
export interface InsertErrorClass {
  kind: 'data' | 'retry';
  /** ClickHouse's error code, 0 when the error carried none (a network error). */
  code: number;
  /** One line, for logs and the dead letter's reason. */
  message: string;
}

/**
 * ClickHouse codes that mean "this input is wrong": parsing (6, 25, 26, 27, 32, 33, 38, 41,
 * 72, 467), types and ranges (53, 69, 70, 190, 321, 349, 407), incorrect data (117) and
 * sizes (131), and a table constraint the row violates (469). Codes about capacity (too many parts, memory, timeouts) are not here.
 */
export const DATA_ERROR_CODES: ReadonlySet<number> = new Set([
  6, 25, 26, 27, 32, 33, 38, 41, 53, 69, 70, 72, 117, 131, 190, 321, 349, 407, 467, 469,
]);

const MAX_MESSAGE_CHARS = 1000;

export function classifyInsertError(err: unknown): InsertErrorClass {
  const e = err as { code?: unknown; message?: unknown };
  const text = typeof e?.message === 'string' ? e.message : String(err);
  // The HTTP client puts the code on the error; chDB only in the text ("Code: 41. DB::Exception: …").
  let code = typeof e?.code === 'string' && /^\d+$/.test(e.code) ? Number(e.code) : NaN;
  if (!Number.isFinite(code)) {
    const m = /\bCode: (\d+)\./.exec(text);
    code = m ? Number(m[1]) : 0;
  }
  const message = text.split('\n')[0]!.slice(0, MAX_MESSAGE_CHARS);
  return { kind: DATA_ERROR_CODES.has(code) ? 'data' : 'retry', code, message };
}
