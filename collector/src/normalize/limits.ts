import type { SpanRow } from '@cairn/schemas';
import { ATTR } from '@cairn/schemas';
import { capText } from './attr-values.js';

/*
 * What the store can hold, checked per span before a row is queued: a value ClickHouse would
 * refuse must never reach the writer, where it would fail a whole batch. A span is rejected
 * (OTLP partial_success, with the reason) when a value that identifies or places it does not
 * fit — its ids, its times, its size. A value that only measures it is clamped and the span
 * is marked with `cairn.clamped` (the columns clamped), so the rest of the span is kept.
 * collector/README.md lists which is which.
 */

/** DateTime64(9) counts nanoseconds in an Int64: 2262-04-11T23:47:16.854775807Z is the last. */
export const MAX_TIME_NS = 9_223_372_036_854_775_807n;
/** Token counts above this are clamped: no call reports a trillion tokens, and sums stay exact in a double. */
export const MAX_TOKENS = 1e12;
/** Session and user ids longer than this are refused: they are keys (ORDER BY, filters, URLs). */
export const MAX_ID_CHARS = 4096;
/** Names (span, agent, workflow, model, provider, tool, service) are cut here. */
export const MAX_NAME_CHARS = 1024;
/** A whole row beyond this many characters is refused (payloads are capped at 1 MiB each; this catches 10k huge attributes). */
export const MAX_ROW_CHARS = 12 * 1024 * 1024;

type Where = string;

/** Why a span's times cannot be stored, or undefined. Times are uint64 from the decoders, never negative. */
export function timeRejection(startNs: bigint, endNs: bigint, where: Where): string | undefined {
  if (startNs === 0n) return `${where}: missing start time`;
  if (endNs === 0n) return `${where}: missing end time (only finished spans are accepted)`;
  if (endNs < startNs) return `${where}: end time ${endNs} is before start time ${startNs}`;
  if (endNs > MAX_TIME_NS) return `${where}: end time ${endNs} is beyond the year 2262 (the store's last nanosecond time)`;
  return undefined;
}

const NAME_COLUMNS = ['name', 'agent_name', 'workflow', 'model', 'provider', 'tool_name', 'service_name'] as const;
const TOKEN_COLUMNS = ['input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens'] as const;
const TEXT_COLUMNS = [
  'session_id',
  'user_id',
  'status_message',
  'tool_call_key',
  'input',
  'output',
  'state',
  'attributes',
  'resource_attributes',
  'events',
  ...NAME_COLUMNS,
] as const;

// ES2024 string methods (Node ≥ 20); the compile target's lib predates them.
type WellFormed = { isWellFormed(): boolean; toWellFormed(): string };
const wellFormed = (s: string): string =>
  (s as unknown as WellFormed).isWellFormed() ? s : (s as unknown as WellFormed).toWellFormed();

/**
 * Fits a built row to the store, in place: lone UTF-16 surrogates become U+FFFD (they have no
 * UTF-8 form), names are cut, token counts and a non-finite cost are clamped and recorded in
 * `cairn.clamped`. Returns why the row cannot be stored at all, or undefined.
 */
export function limitRow(row: SpanRow, where: Where): string | undefined {
  if (row.session_id.length > MAX_ID_CHARS)
    return `${where}: session id is ${row.session_id.length} characters (at most ${MAX_ID_CHARS})`;
  if (row.user_id.length > MAX_ID_CHARS) return `${where}: user id is ${row.user_id.length} characters (at most ${MAX_ID_CHARS})`;
  // Cut before the surrogate pass: a cut may split a pair.
  for (const c of NAME_COLUMNS) if (row[c].length > MAX_NAME_CHARS) row[c] = capText(row[c], MAX_NAME_CHARS);
  let chars = 0;
  for (const c of TEXT_COLUMNS) {
    const v = wellFormed(row[c]);
    row[c] = v;
    chars += v.length;
  }
  if (chars > MAX_ROW_CHARS)
    return `${where}: span is ${chars} characters once encoded (at most ${MAX_ROW_CHARS}); send fewer or smaller attributes`;
  let clamped: string[] | undefined;
  for (const c of TOKEN_COLUMNS) {
    if (row[c] > MAX_TOKENS) {
      row[c] = MAX_TOKENS;
      (clamped ??= []).push(c);
    }
  }
  if (!Number.isFinite(row.cost_usd) || row.cost_usd < 0) {
    row.cost_usd = 0;
    row.cost_source = 'unknown';
    (clamped ??= []).push('cost_usd');
  }
  if (row.confidence !== null && !(row.confidence >= 0 && row.confidence <= 1)) row.confidence = null;
  if (clamped) row.attributes = withClamped(row.attributes, clamped);
  return undefined;
}

/** Adds `cairn.clamped` last in the attributes JSON object text, so it wins over a sent one of the same name. */
function withClamped(attributes: string, columns: string[]): string {
  const entry = `${JSON.stringify(ATTR.CLAMPED)}:${JSON.stringify(columns)}}`;
  return attributes === '{}' ? `{${entry}` : `${attributes.slice(0, -1)},${entry}`;
}
