import { mkdir, open, readdir, readFile, truncate, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { CairnError } from '@cairn/schemas';
import { dataRecordBytes, decodeRecord, encodeData, encodeDone, encodeMark, RecordType } from './spool-record.js';

export interface SpoolOptions {
  /** Directory of the segment files (created if missing); one collector per directory. */
  dir: string;
  /** Bytes on disk beyond which new data is refused (the collector answers 503). */
  maxBytes: number;
  /** A segment is closed past this size, so written data can be reclaimed (default maxBytes / 8, 4 KiB to 64 MiB). */
  segmentBytes?: number;
}

/** Where a data record sits, to read its body back when it is not kept in memory. */
export interface SpoolRef {
  segment: number;
  offset: number;
  length: number;
}

/** A durable data record: `rows` encoded insert lines and their dedup keys. */
export interface SpoolEntry {
  seq: number;
  rows: number;
  keys: Uint32Array;
  ref: SpoolRef;
}

/** A batch whose marker was written before a crash: it must be inserted again with the same token and records. */
export interface SpoolBatch {
  token: string;
  first: number;
  last: number;
}

/** What `Spool.open` found: records not yet in ClickHouse, in order, and the batches already formed from them. */
export interface SpoolRecovery {
  entries: SpoolEntry[];
  batches: SpoolBatch[];
  /** Keys of every record still on disk, written or not: exporter retries of them are duplicates. */
  keys: Uint32Array[];
  /** Bytes of torn or corrupt tails dropped (a crash mid-write). */
  droppedBytes: number;
}

interface Segment {
  id: number;
  size: number;
  /** Highest data seq or marked seq in the file: reclaimable once that is written. */
  maxRef: number;
  hasData: boolean;
  handle: Promise<FileHandle> | undefined;
}

interface Pending {
  bufs: Buffer[];
  bytes: number;
  /** Data records only. */
  entry?: SpoolEntry;
  onDurable?: (entry: SpoolEntry) => void;
  maxRef: number;
  /** Start a new segment even with nothing to write. */
  roll?: boolean;
  resolve: () => void;
  reject: (err: unknown) => void;
}

const SEGMENT_RE = /^(\d{12})\.spool$/;
const segmentName = (id: number): string => `${String(id).padStart(12, '0')}.spool`;

/**
 * The durable queue between receive and the batch writer. Appends go to append-only segment
 * files with group commit: one `writev` + `fdatasync` in flight, and every append that arrives
 * meanwhile joins the next one, so many requests share an fsync. Before a batch is inserted its
 * marker (token + seq range) is made durable; after, a checkpoint. On open, records past the last
 * checkpoint come back, the marked ones as the same batches with the same tokens, so a batch
 * that had reached ClickHouse before a `kill -9` is deduplicated there, in every rollup too.
 */
export class Spool {
  private segments: Segment[] = [];
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private nextSeq: number;
  private committed: number;
  private bytesOnDisk = 0;
  private reserved = 0;
  private rollNext = true;
  private closed = false;
  /** Files closed: nothing may be written any more. */
  private shut = false;
  /** Group writes that failed so far: a caller can tell whether appends before a barrier all landed. */
  failures = 0;
  private readonly segmentBytes: number;

  private constructor(
    private readonly opts: SpoolOptions,
    state: { segments: Segment[]; nextSeq: number; committed: number },
  ) {
    this.segments = state.segments;
    this.nextSeq = state.nextSeq;
    this.committed = state.committed;
    this.bytesOnDisk = state.segments.reduce((a, s) => a + s.size, 0);
    this.segmentBytes = opts.segmentBytes ?? Math.max(4096, Math.min(64 * 1024 * 1024, Math.floor(opts.maxBytes / 8)));
  }

  /** Opens (or creates) the spool, dropping a torn tail, and returns what is left to write. */
  static async open(opts: SpoolOptions): Promise<{ spool: Spool; recovery: SpoolRecovery }> {
    await mkdir(opts.dir, { recursive: true });
    const ids = (await readdir(opts.dir))
      .map((f) => SEGMENT_RE.exec(f)?.[1])
      .filter((m): m is string => m !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    const segments: Segment[] = [];
    const entries: SpoolEntry[] = [];
    const marks = new Map<string, SpoolBatch>();
    const keys: Uint32Array[] = [];
    let committed = 0;
    let maxSeq = 0;
    let droppedBytes = 0;
    for (const id of ids) {
      const path = join(opts.dir, segmentName(id));
      const buf = await readFile(path);
      const seg: Segment = { id, size: 0, maxRef: 0, hasData: false, handle: undefined };
      let at = 0;
      for (let r = decodeRecord(buf, at); r; at += r.length, r = decodeRecord(buf, at)) {
        const rec = r.record;
        if (rec.type === RecordType.Data) {
          entries.push({ seq: rec.seq, rows: rec.rows, keys: rec.keys, ref: { segment: id, offset: at, length: r.length } });
          keys.push(rec.keys);
          maxSeq = Math.max(maxSeq, rec.seq);
          seg.maxRef = Math.max(seg.maxRef, rec.seq);
          seg.hasData = true;
        } else if (rec.type === RecordType.Mark) {
          marks.set(rec.token, { token: rec.token, first: rec.first, last: rec.last });
          seg.maxRef = Math.max(seg.maxRef, rec.last);
        } else {
          committed = Math.max(committed, rec.seq);
        }
      }
      if (at < buf.length) {
        // Only a write that was never acknowledged can be torn: everything before it is intact.
        droppedBytes += buf.length - at;
        await truncate(path, at);
      }
      seg.size = at;
      segments.push(seg);
    }
    const spool = new Spool(opts, { segments, nextSeq: Math.max(maxSeq, committed) + 1, committed });
    const batches = [...marks.values()].filter((b) => b.last > committed).sort((a, b) => a.first - b.first);
    return { spool, recovery: { entries: entries.filter((e) => e.seq > committed), batches, keys, droppedBytes } };
  }

  /** Bytes of segment files on disk plus appends in flight. */
  get bytes(): number {
    return this.bytesOnDisk + this.reserved;
  }

  /** Whether a request of `rows` rows and a `bodyBytes` body fits under `maxBytes` now. */
  canAccept(rows: number, bodyBytes: number): boolean {
    return !this.closed && this.bytes + dataRecordBytes(rows, bodyBytes) <= this.opts.maxBytes;
  }

  /**
   * Appends one request's encoded lines and resolves once they are fsync'd. `onDurable` runs
   * for each record in seq order, before any append of a later group resolves: the writer must
   * see records in the order of their seqs, so batches cover contiguous ranges.
   * @throws CairnError `CAIRN_OVERLOADED` when the spool is full.
   */
  append(rows: number, keys: Uint32Array, body: Buffer, onDurable: (entry: SpoolEntry) => void): Promise<void> {
    if (this.closed) throw new CairnError('CAIRN_OVERLOADED', 'the spool is closing');
    if (!this.canAccept(rows, body.length)) {
      throw new CairnError('CAIRN_OVERLOADED', `spool is full (${this.bytes} of ${this.opts.maxBytes} bytes)`);
    }
    const seq = this.nextSeq++;
    const bufs = encodeData(seq, rows, keys, body);
    const bytes = dataRecordBytes(rows, body.length);
    const entry: SpoolEntry = { seq, rows, keys, ref: { segment: 0, offset: 0, length: bytes } };
    return this.submit({ bufs, bytes, entry, onDurable, maxRef: seq });
  }

  /** Resolves once every append submitted before it has finished (written or failed). */
  barrier(): Promise<void> {
    return this.flushing ? this.submit({ bufs: [], bytes: 0, maxRef: 0 }) : Promise.resolve();
  }

  /** Records, durably, that a batch with `token` covering seqs `first..last` is about to be inserted. */
  mark(token: string, first: number, last: number): Promise<void> {
    const rec = encodeMark(token, first, last);
    return this.submit({ bufs: [rec], bytes: rec.length, maxRef: last });
  }

  /** Records that every data record up to `seq` is written, then deletes segments holding nothing else. */
  async checkpoint(seq: number): Promise<void> {
    const rec = encodeDone(seq);
    await this.submit({ bufs: [rec], bytes: rec.length, maxRef: 0 });
    this.committed = Math.max(this.committed, seq);
    const active = this.segments[this.segments.length - 1];
    // All written: move on to a new segment now so this one can go too — a full spool has no
    // next append to wait for.
    if (active && active.hasData && active.maxRef <= this.committed) {
      this.rollNext = true;
      await this.submit({ bufs: [], bytes: 0, maxRef: 0, roll: true });
    }
    await this.reclaim();
  }

  /** The body of a data record, read back from its segment and checked against its checksum. */
  async read(ref: SpoolRef): Promise<Buffer> {
    const seg = this.segments.find((s) => s.id === ref.segment);
    if (!seg) throw new CairnError('CAIRN_INTERNAL', `spool segment ${ref.segment} is gone`);
    seg.handle ??= open(join(this.opts.dir, segmentName(seg.id)), 'r');
    const buf = Buffer.allocUnsafe(ref.length);
    const { bytesRead } = await (await seg.handle).read(buf, 0, ref.length, ref.offset);
    const r = decodeRecord(buf.subarray(0, bytesRead), 0);
    if (r?.record.type !== RecordType.Data) {
      throw new CairnError('CAIRN_INTERNAL', `spool record at ${segmentName(seg.id)}:${ref.offset} is corrupt`);
    }
    return r.record.body;
  }

  /** Waits for appends in flight, then closes the files. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing) await this.flushing;
    this.shut = true;
    for (const s of this.segments) await (await s.handle)?.close();
    for (const s of this.segments) s.handle = undefined;
  }

  private submit(p: Omit<Pending, 'resolve' | 'reject'>): Promise<void> {
    // A writer still running after close (its deadline passed) must not start new files.
    if (this.shut) return Promise.reject(new CairnError('CAIRN_INTERNAL', 'the spool is closed'));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ ...p, resolve, reject });
      this.reserved += p.bytes;
      this.flushing ??= this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    while (this.queue.length > 0) {
      const group = this.queue;
      this.queue = [];
      const bytes = group.reduce((a, p) => a + p.bytes, 0);
      try {
        await this.writeGroup(group, bytes);
      } catch (err) {
        this.reserved -= bytes;
        this.failures += 1;
        for (const p of group) p.reject(err);
        continue;
      }
      this.reserved -= bytes;
      for (const p of group) if (p.entry) p.onDurable?.(p.entry);
      for (const p of group) p.resolve();
    }
    this.flushing = undefined;
  }

  private async writeGroup(group: Pending[], bytes: number): Promise<void> {
    if (bytes === 0 && !group.some((p) => p.roll)) return; // barriers only
    let seg = this.segments[this.segments.length - 1];
    if (!seg || this.rollNext || seg.size >= this.segmentBytes) seg = await this.roll();
    const handle = await seg.handle!;
    let at = seg.size;
    for (const p of group) {
      if (p.entry) p.entry.ref = { segment: seg.id, offset: at, length: p.bytes };
      at += p.bytes;
    }
    try {
      const { bytesWritten } = await handle.writev(
        group.flatMap((p) => p.bufs),
        seg.size,
      );
      if (bytesWritten !== bytes) throw new Error(`short write to the spool: ${bytesWritten} of ${bytes} bytes`);
      await handle.datasync();
    } catch (err) {
      // What reached the file is unknown (fsync errors may drop pages): never append after it.
      await handle.truncate(seg.size).catch(() => undefined);
      this.rollNext = true;
      throw new CairnError('CAIRN_INTERNAL', `spool write failed: ${(err as Error).message}`, { cause: err });
    }
    seg.size += bytes;
    this.bytesOnDisk += bytes;
    for (const p of group) {
      seg.maxRef = Math.max(seg.maxRef, p.maxRef);
      if (p.entry) seg.hasData = true;
    }
  }

  /** Starts a new segment; its directory entry is fsync'd so the file survives a crash. */
  private async roll(): Promise<Segment> {
    const last = this.segments[this.segments.length - 1];
    const id = (last?.id ?? 0) + 1;
    const path = join(this.opts.dir, segmentName(id));
    const handle = await open(path, 'wx+');
    const seg: Segment = { id, size: 0, maxRef: 0, hasData: false, handle: Promise.resolve(handle) };
    // The checkpoint so far opens every segment: replay never depends on a reclaimed file.
    const head = encodeDone(this.committed);
    try {
      await handle.write(head, 0, head.length, 0);
      await handle.datasync();
      const dir = await open(this.opts.dir, 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    } catch (err) {
      // Leave no half-made file behind: the next attempt creates this id again.
      await handle.close().catch(() => undefined);
      await unlink(path).catch(() => undefined);
      throw err;
    }
    seg.size = head.length;
    this.segments.push(seg);
    this.bytesOnDisk += seg.size;
    this.rollNext = false;
    return seg;
  }

  /** Deletes the oldest segments while everything they hold is written (never the active one). */
  private async reclaim(): Promise<void> {
    while (this.segments.length > 1 && this.segments[0]!.maxRef <= this.committed) {
      const seg = this.segments.shift()!;
      await (await seg.handle)?.close();
      await unlink(join(this.opts.dir, segmentName(seg.id)));
      this.bytesOnDisk -= seg.size;
    }
  }
}
