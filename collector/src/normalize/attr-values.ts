import type { AttrValue, Attributes } from '../otlp/decoded.js';

/**
 * Size caps (in UTF-16 characters). The replay payload columns (`input`, `output`, `state`)
 * keep up to 1 MiB; a single attribute or event value that stays in the `attributes` /
 * `events` JSON keeps up to 64 KiB. Anything longer is cut and ends with TRUNCATION_MARK
 * followed by the original length, so a reader can tell the text is incomplete (cut JSON is no
 * longer valid JSON: the dashboard shows it as plain text).
 */
export const MAX_PAYLOAD_CHARS = 1024 * 1024;
export const MAX_ATTR_VALUE_CHARS = 64 * 1024;
export const TRUNCATION_MARK = '…[truncated by cairn, original length ';

export function capText(s: string, max: number): string {
  if (s.length <= max) return s;
  return `${s.slice(0, max)}${TRUNCATION_MARK}${s.length}]`;
}

/** A non-empty string value (numbers and bigints are accepted as their decimal text). */
export function asString(v: AttrValue | undefined): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return undefined;
}

/**
 * The first non-empty string among `keys`; its key is recorded in `used` (it now lives in a
 * column and leaves the `attributes` JSON). '' when none is present.
 */
export function takeString(a: Attributes, keys: readonly string[], used: string[]): string {
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    const s = asString(a[k]);
    if (s !== undefined) {
      used.push(k);
      return s;
    }
  }
  return '';
}

/** A finite number from a number, bigint or numeric string. */
export function asNumber(v: AttrValue | undefined): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && v !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** A token count: a non-negative integer, else undefined. */
export function asCount(v: AttrValue | undefined): number | undefined {
  const n = asNumber(v);
  if (n === undefined || n < 0) return undefined;
  return Math.min(Math.trunc(n), Number.MAX_SAFE_INTEGER);
}

function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/** JSON text of a value; bigints (int64 beyond 2^53) become decimal strings. */
export function toJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? 'null';
  } catch {
    // Only a bigint can make stringify throw here (decoded values have no cycles): rare, so
    // the fast path stays replacer-free.
    return JSON.stringify(v, bigintReplacer) ?? 'null';
  }
}

/** Text of a value for a payload column: strings as they are, anything else as JSON. */
export function asText(v: AttrValue | undefined): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  return toJson(v);
}

/** Caps long strings inside an attribute value (one level of arrays / maps is enough in practice). */
export function capValue(v: AttrValue): AttrValue {
  if (typeof v === 'string') return v.length > MAX_ATTR_VALUE_CHARS ? capText(v, MAX_ATTR_VALUE_CHARS) : v;
  if (Array.isArray(v)) {
    let out: AttrValue[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const e = v[i] as AttrValue;
      if (typeof e === 'string' && e.length > MAX_ATTR_VALUE_CHARS) {
        out ??= v.slice();
        out[i] = capText(e, MAX_ATTR_VALUE_CHARS);
      }
    }
    return out ?? v;
  }
  return v;
}
