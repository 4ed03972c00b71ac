import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { insertDeadLetters, type NewDeadLetter, type Store } from '@cairn/storage';
import type { InsertErrorClass } from './insert-errors.js';
import type { CollectorMetrics } from '../http/metrics.js';

/** Keeps refused spans somewhere durable; throws only when no place could take them. */
export type DeadLetterSink = (letters: NewDeadLetter[]) => Promise<void>;

export const DEAD_LETTER_FILE = 'dead-letters.jsonl';

/**
 * Dead letters go to the `dead_letters` table; when the store refuses that insert too (the
 * table is missing, or the line is what it cannot take), to `<spoolDir>/dead-letters.jsonl`,
 * one JSON object per line, so nothing the collector acknowledged is dropped silently.
 * Without a spool directory a failed table insert throws and the writer retries later.
 */
export function createDeadLetterSink(
  store: Store,
  spoolDir: string | undefined,
  metrics: CollectorMetrics,
  onFallback: (err: unknown) => void = () => undefined,
): DeadLetterSink {
  return async (letters) => {
    if (letters.length === 0) return;
    try {
      await insertDeadLetters(store, letters);
    } catch (err) {
      if (spoolDir === undefined) throw err;
      onFallback(err);
      await appendFile(join(spoolDir, DEAD_LETTER_FILE), letters.map((l) => JSON.stringify(l) + '\n').join(''), { flush: true });
      metrics.deadLetterFileSpans.inc(letters.length);
    }
  };
}

/**
 * The dead letter of one refused insert line. Project, trace and span ids are read back from
 * the line (the first columns of `encodeSpanRow`); a line that does not parse keeps '' there.
 */
export function deadLetterOf(line: Buffer, error: InsertErrorClass, id: string, receivedMs = Date.now()): NewDeadLetter {
  const text = line.toString('utf8').replace(/\n$/, '');
  let cols: unknown[] = [];
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed)) cols = parsed;
  } catch {
    // Kept as is: the line is what matters for a re-drive.
  }
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  return {
    project_id: str(cols[0]),
    dead_letter_id: id,
    received_ms: receivedMs,
    reason: error.message,
    error_code: error.code,
    trace_id: str(cols[2]),
    span_id: str(cols[3]),
    line: text,
  };
}
