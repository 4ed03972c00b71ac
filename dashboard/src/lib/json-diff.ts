/**
 * A structural diff of two JSON values as a tree the state view renders: each node says whether
 * it was added, removed, changed or unchanged relative to the previous snapshot, and whether
 * anything below it changed (so changed branches open by default and unchanged ones fold).
 */
export type DiffStatus = 'added' | 'removed' | 'changed' | 'same';

export interface DiffNode {
  key: string;
  status: DiffStatus;
  /** The current value (the previous one for removed nodes). Containers keep theirs for copying. */
  value: unknown;
  /** For changed leaves: what it was. */
  before?: unknown;
  children?: DiffNode[];
  /** Something at or below this node differs. */
  dirty: boolean;
  container: 'object' | 'array' | null;
}

const containerOf = (v: unknown): DiffNode['container'] =>
  Array.isArray(v) ? 'array' : v !== null && typeof v === 'object' ? 'object' : null;

function entries(v: unknown): [string, unknown][] {
  if (Array.isArray(v)) return v.map((x, i) => [String(i), x]);
  return Object.entries(v as Record<string, unknown>);
}

/** The whole value marked with one status (a subtree that only exists on one side). */
function mark(key: string, v: unknown, status: DiffStatus): DiffNode {
  const container = containerOf(v);
  return {
    key,
    status,
    value: v,
    dirty: status !== 'same',
    container,
    ...(container ? { children: entries(v).map(([k, x]) => mark(k, x, status)) } : {}),
  };
}

export function diffJson(prev: unknown, cur: unknown, key = '$', hasPrev = true): DiffNode {
  if (!hasPrev) return mark(key, cur, 'same');
  const cp = containerOf(prev);
  const cc = containerOf(cur);
  if (cc && cp === cc) {
    const prevMap = new Map(entries(prev));
    const children: DiffNode[] = [];
    for (const [k, v] of entries(cur)) {
      children.push(prevMap.has(k) ? diffJson(prevMap.get(k), v, k) : mark(k, v, 'added'));
      prevMap.delete(k);
    }
    for (const [k, v] of prevMap) children.push(mark(k, v, 'removed'));
    const dirty = children.some((c) => c.dirty);
    return { key, status: 'same', value: cur, children, dirty, container: cc };
  }
  if (!cc && !cp && Object.is(prev, cur)) return { key, status: 'same', value: cur, dirty: false, container: null };
  // A type change (leaf ↔ container, object ↔ array) or a different leaf value.
  if (cc) return { ...mark(key, cur, 'changed'), before: prev };
  return { key, status: 'changed', value: cur, before: prev, dirty: true, container: null };
}

/** Counts of added, removed and changed leaves (containers count as one when added/removed whole). */
export function diffStats(n: DiffNode): { added: number; removed: number; changed: number } {
  const s = { added: 0, removed: 0, changed: 0 };
  const walk = (x: DiffNode, parentStatus: DiffStatus) => {
    if (x.status !== 'same' && x.status !== parentStatus) {
      s[x.status]++;
      return;
    }
    for (const c of x.children ?? []) walk(c, x.status);
  };
  walk(n, 'same');
  return s;
}

export function parseJson(text: string | null | undefined): { ok: true; value: unknown } | { ok: false; text: string } {
  if (text === null || text === undefined || text === '') return { ok: false, text: '' };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, text };
  }
}
