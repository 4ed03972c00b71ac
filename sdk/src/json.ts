/** JSON helpers that never throw into user code (cycles, BigInt, functions are tolerated). */

function replacer(): (this: unknown, key: string, value: unknown) => unknown {
  const seen = new WeakSet<object>();
  return function (_key, value) {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'function' || typeof value === 'symbol') return undefined;
    if (value instanceof Error) return { name: value.name, message: value.message };
    if (typeof value === 'object' && value !== null) {
      if (seen.has(value)) return '[Circular]';
      seen.add(value);
    }
    return value;
  };
}

/** `JSON.stringify` that tolerates cycles and BigInt; strings pass through unquoted. */
export function toJson(value: unknown, maxChars: number): string {
  let s: string;
  if (typeof value === 'string') s = value;
  else {
    try {
      s = JSON.stringify(value, replacer()) ?? '';
    } catch {
      s = String(value);
    }
  }
  return s.length > maxChars ? `${s.slice(0, maxChars)}…[truncated ${s.length - maxChars} chars]` : s;
}

/**
 * A canonical text for "the same arguments": object keys sorted at every level, so `{a,b}` and
 * `{b,a}` count as one repeated call.
 */
export function stableKey(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value !== 'object' || value === null) return typeof value === 'string' ? JSON.stringify(value) : String(value);
  const seen = new WeakSet<object>();
  const walk = (v: unknown): unknown => {
    if (typeof v === 'bigint') return v.toString();
    if (typeof v !== 'object' || v === null) return v;
    if (seen.has(v)) return '[Circular]';
    seen.add(v);
    if (Array.isArray(v)) return v.map(walk);
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = walk((v as Record<string, unknown>)[k]);
    return out;
  };
  try {
    return JSON.stringify(walk(value)) ?? '';
  } catch {
    return String(value);
  }
}
