import { createHash } from 'node:crypto';
import { DEAD_LETTER_PREVIEW_CHARS, type DeadLetter, type RedriveResult } from '@cairn/schemas';
import { listDeadLetters, markRedriven, type DeadLetterFilter, type DeadLetterRecord } from '../dead-letters.js';
import type { Store } from '../store.js';

export function toDeadLetter(r: DeadLetterRecord): DeadLetter {
  return {
    id: r.dead_letter_id,
    received_at: new Date(r.received_ms).toISOString(),
    reason: r.reason,
    error_code: r.error_code,
    trace_id: r.trace_id,
    span_id: r.span_id,
    redriven_at: r.redriven_ms === null ? null : new Date(r.redriven_ms).toISOString(),
    line_chars: r.line.length,
    line_preview: r.line.slice(0, DEAD_LETTER_PREVIEW_CHARS),
  };
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 1000);

/**
 * Inserts pending dead letters again, as they were refused — worth it once the cause is fixed
 * (a constraint dropped, a server setting changed). All at once first; if the store refuses
 * that, one by one, so that the ones it takes now are stored and the rest stay pending.
 * Tokens are derived from the ids: a re-drive repeated after a lost answer stores nothing twice.
 */
export async function redriveDeadLetters(
  store: Store,
  filter: Omit<DeadLetterFilter, 'pendingOnly' | 'oldestFirst'>,
): Promise<RedriveResult> {
  const pending = await listDeadLetters(store, { ...filter, pendingOnly: true, oldestFirst: true });
  if (pending.length === 0) return { redriven: 0, failed: [] };
  const stored: DeadLetterRecord[] = [];
  const failed: RedriveResult['failed'] = [];
  const ids = createHash('sha256');
  for (const d of pending) ids.update(d.dead_letter_id + '\n');
  try {
    await store.insertSpanLines(Buffer.from(pending.map((d) => d.line + '\n').join(''), 'utf8'), {
      dedupToken: `redrive:${ids.digest('hex')}`,
    });
    stored.push(...pending);
  } catch {
    for (const d of pending) {
      try {
        await store.insertSpanLines(Buffer.from(d.line + '\n', 'utf8'), { dedupToken: `redrive:${d.dead_letter_id}` });
        stored.push(d);
      } catch (err) {
        failed.push({ id: d.dead_letter_id, reason: message(err) });
      }
    }
  }
  await markRedriven(store, stored);
  return { redriven: stored.length, failed };
}
