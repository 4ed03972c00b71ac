import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCollectorMetrics } from '../src/http/metrics.js';
import { Spool } from '../src/pipeline/spool.js';
import { BatchWriter } from '../src/pipeline/writer.js';

// The writer with a real spool as its journal: markers before inserts, checkpoints after,
// and the same batches (records and tokens) after a restart.
const root = mkdtempSync(join(tmpdir(), 'cairn-writer-spool-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const line = (name: string): Buffer => Buffer.from(`${name}\n`);

async function feed(spool: Spool, writer: BatchWriter, names: string[]): Promise<void> {
  for (const name of names) {
    const body = line(name);
    await spool.append(1, new Uint32Array(3), body, (e) =>
      writer.enqueue(body, 1, { seq: e.seq, load: () => spool.read(e.ref) }),
    );
  }
}

describe('BatchWriter with a spool', () => {
  it('marks each batch before its insert, replays an unfinished one with the same token and records, and reads bodies back from disk', async () => {
    const dir = join(root, 'a');
    const inserts: { token: string; lines: string }[] = [];
    let crashAt = 2;
    const sink = (body: Buffer, _rows: number, token: string): Promise<void> => {
      inserts.push({ token, lines: body.toString() });
      // The second insert reaches ClickHouse, then the process dies: no answer, no checkpoint.
      return inserts.length === crashAt ? new Promise<void>(() => undefined) : Promise.resolve();
    };
    const first = await Spool.open({ dir, maxBytes: 1 << 20 });
    const w1 = new BatchWriter(
      sink,
      { maxRows: 2, maxMs: 600_000, maxQueuedRows: 1000 },
      createCollectorMetrics(),
      undefined,
      first.spool,
    );
    await feed(first.spool, w1, ['a', 'b', 'c', 'd', 'e']);
    while (inserts.length < 2) await new Promise((r) => setTimeout(r, 5));
    await first.spool.close();
    expect(inserts.map((i) => i.lines)).toEqual(['a\nb\n', 'c\nd\n']);
    const crashed = inserts[1]!;

    crashAt = 0;
    inserts.length = 0;
    const again = await Spool.open({ dir, maxBytes: 1 << 20 });
    expect(again.recovery.batches).toEqual([{ token: crashed.token, first: 3, last: 4 }]);
    // No bodies in memory: every one is read back from its segment.
    const w2 = new BatchWriter(
      sink,
      { maxRows: 1, maxMs: 600_000, maxQueuedRows: 1000 },
      createCollectorMetrics(),
      undefined,
      again.spool,
    );
    for (const e of again.recovery.entries) {
      const batch = again.recovery.batches.find((b) => b.first <= e.seq && e.seq <= b.last);
      w2.enqueue(undefined, e.rows, {
        seq: e.seq,
        load: () => again.spool.read(e.ref),
        ...(batch ? { batchToken: batch.token } : {}),
      });
    }
    expect(await w2.flush()).toBe(true);
    // The marked batch keeps its two records together although maxRows is now 1.
    expect(inserts[0]).toEqual(crashed);
    expect(inserts.slice(1).map((i) => i.lines)).toEqual(['e\n']);
    await w2.close();
    await again.spool.close();

    const last = await Spool.open({ dir, maxBytes: 1 << 20 });
    expect(last.recovery.entries).toEqual([]);
    await last.spool.close();
  });

  it('keeps at most maxBufferedBytes of spooled bodies in memory and loads the rest when their batch comes', async () => {
    const { spool } = await Spool.open({ dir: join(root, 'b'), maxBytes: 1 << 20 });
    const lines: string[] = [];
    const w = new BatchWriter(
      async (body) => void lines.push(...body.toString().split('\n').slice(0, -1)),
      { maxRows: 3, maxMs: 600_000, maxQueuedRows: 1000, maxBufferedBytes: 4 },
      createCollectorMetrics(),
      undefined,
      spool,
    );
    const names = Array.from({ length: 10 }, (_, i) => `row${i}`);
    await feed(spool, w, names);
    expect(await w.flush()).toBe(true);
    expect(lines).toEqual(names);
    await w.close();
    await spool.close();
  });
});
