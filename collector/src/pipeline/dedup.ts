/**
 * Remembers recently accepted span keys so that an exporter retry of the same request (the
 * client timed out after we had accepted it) is not counted twice in the rollups. Raw rows are
 * also deduplicated at read time and on merge; this guards the rollups.
 * Scope: one collector process. Several collectors behind a load balancer each keep their own.
 *
 * A key is a 95-bit fingerprint of (project, trace id, span id) — three uint32 words, made by
 * `spanKeys` where the request is decoded (the worker) — kept in flat open-addressing tables:
 * a million string keys in a `Set` cost about 9% of the event loop at 50k spans/s plus the
 * garbage collector's time to trace them, these cost neither. A false match needs two spans'
 * fingerprints to agree on all 95 bits (about 1 in 10^22 per lookup with a full table).
 * Two generations bound memory: when the current table holds `capacity` keys, the older one
 * is cleared and becomes the current one.
 */
export class RecentKeys {
  private current: KeyTable;
  private previous: KeyTable | undefined;
  constructor(private readonly capacity: number) {
    this.current = new KeyTable(capacity);
  }

  /** Whether the key at `keys[at..at+2]` was added (in this or the previous generation). */
  has(keys: Uint32Array, at: number): boolean {
    return this.current.has(keys, at) || (this.previous !== undefined && this.previous.has(keys, at));
  }

  add(keys: Uint32Array, at: number): void {
    if (this.current.size >= this.capacity) {
      const recycled = this.previous ?? new KeyTable(this.capacity);
      recycled.clear();
      this.previous = this.current;
      this.current = recycled;
    }
    this.current.add(keys, at);
  }

  get size(): number {
    return this.current.size + (this.previous?.size ?? 0);
  }
}

/** Linear probing over 3-word slots at most half full; an all-zero slot is empty. */
class KeyTable {
  private readonly slots: Uint32Array;
  private readonly mask: number;
  size = 0;
  constructor(capacity: number) {
    let n = 16;
    while (n < capacity * 2) n *= 2;
    this.mask = n - 1;
    this.slots = new Uint32Array(n * 3);
  }

  has(k: Uint32Array, at: number): boolean {
    return this.find(k, at) >= 0;
  }

  add(k: Uint32Array, at: number): void {
    const i = this.find(k, at);
    if (i >= 0) return;
    const j = -i - 1;
    this.slots[j] = k[at]!;
    this.slots[j + 1] = k[at + 1]!;
    this.slots[j + 2] = k[at + 2]!;
    this.size++;
  }

  clear(): void {
    this.slots.fill(0);
    this.size = 0;
  }

  /** The slot's word index when present, else -(index of the empty slot where it goes) - 1. */
  private find(k: Uint32Array, at: number): number {
    const a = k[at]!;
    const b = k[at + 1]!;
    const c = k[at + 2]!;
    const s = this.slots;
    for (let slot = a & this.mask; ; slot = (slot + 1) & this.mask) {
      const j = slot * 3;
      const sa = s[j]!;
      const sb = s[j + 1]!;
      const sc = s[j + 2]!;
      if (sa === a && sb === b && sc === c) return j;
      if (sa === 0 && sb === 0 && sc === 0) return -j - 1;
    }
  }
}

const fmix = (h: number): number => {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
};

/**
 * Fingerprints of (project, trace id, span id) for `rows`, three words per row, for
 * {@link RecentKeys}. Three independent multiplicative hashes over the characters, each
 * finished with murmur3's avalanche; the low bit of the third word is forced on so that no
 * key is all zero (the tables' empty marker).
 */
export function spanKeys(projectId: string, rows: readonly { trace_id: string; span_id: string }[]): Uint32Array {
  let p1 = 0x811c9dc5;
  let p2 = 0x9747b28c;
  let p3 = 0x2545f491;
  for (let i = 0; i < projectId.length; i++) {
    const ch = projectId.charCodeAt(i);
    p1 = Math.imul(p1 ^ ch, 0x01000193);
    p2 = Math.imul(p2 ^ ch, 0x5bd1e995);
    p3 = Math.imul(p3 ^ ch, 0x27d4eb2d);
  }
  const out = new Uint32Array(rows.length * 3);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    let h1 = p1;
    let h2 = p2;
    let h3 = p3;
    // A separator between the parts: ("ab", "c") and ("a", "bc") must differ. (An indexed
    // loop, not `for of` over a two-element array: that array was allocated per row.)
    for (let part = 0; part < 2; part++) {
      const id = part === 0 ? row.trace_id : row.span_id;
      for (let i = 0; i < id.length; i++) {
        const ch = id.charCodeAt(i);
        h1 = Math.imul(h1 ^ ch, 0x01000193);
        h2 = Math.imul(h2 ^ ch, 0x5bd1e995);
        h3 = Math.imul(h3 ^ ch, 0x27d4eb2d);
      }
      h1 = Math.imul(h1 ^ 0x100, 0x01000193);
      h2 = Math.imul(h2 ^ 0x100, 0x5bd1e995);
      h3 = Math.imul(h3 ^ 0x100, 0x27d4eb2d);
    }
    out[r * 3] = fmix(h1);
    out[r * 3 + 1] = fmix(h2 ^ Math.imul(h1, 0x9e3779b1));
    out[r * 3 + 2] = (fmix(h3 ^ Math.imul(h2, 0x85ebca77)) | 1) >>> 0;
  }
  return out;
}
