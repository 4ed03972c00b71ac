import { mkdtempSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Spool, type SpoolEntry } from '../src/pipeline/spool.js';

const root = mkdtempSync(join(tmpdir(), 'cairn-spool-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = (): string => join(root, `s${n++}`);

/** A request of `rows` rows: one line per row naming it, and keys derived from the name. */
function request(name: string, rows = 2): { rows: number; keys: Uint32Array; body: Buffer } {
  const keys = new Uint32Array(rows * 3).map((_, i) => name.length * 1000 + i);
  return { rows, keys, body: Buffer.from(Array.from({ length: rows }, (_, i) => `${name}.${i}`).join('\n') + '\n') };
}

async function appendAll(spool: Spool, names: string[]): Promise<SpoolEntry[]> {
  const durable: SpoolEntry[] = [];
  await Promise.all(
    names.map((name) => {
      const r = request(name);
      return spool.append(r.rows, r.keys, r.body, (e) => durable.push(e));
    }),
  );
  return durable;
}

const bodies = async (spool: Spool, entries: SpoolEntry[]): Promise<string[]> =>
  Promise.all(entries.map(async (e) => (await spool.read(e.ref)).toString()));

describe('Spool', () => {
  it('appends concurrently with group commit, hands records over in seq order, and replays them after a reopen', async () => {
    const dir = freshDir();
    const { spool, recovery } = await Spool.open({ dir, maxBytes: 1 << 20 });
    expect(recovery.entries).toEqual([]);
    const names = Array.from({ length: 50 }, (_, i) => `req${i}`);
    const durable = await appendAll(spool, names);
    expect(durable.map((e) => e.seq)).toEqual(names.map((_, i) => i + 1));
    expect(await bodies(spool, durable)).toEqual(names.map((nm) => `${nm}.0\n${nm}.1\n`));
    await spool.close();

    const again = await Spool.open({ dir, maxBytes: 1 << 20 });
    expect(again.recovery.entries.map((e) => e.seq)).toEqual(durable.map((e) => e.seq));
    expect(again.recovery.entries.map((e) => Array.from(e.keys))).toEqual(durable.map((e) => Array.from(e.keys)));
    expect(await bodies(again.spool, again.recovery.entries)).toEqual(names.map((nm) => `${nm}.0\n${nm}.1\n`));
    expect(again.recovery.batches).toEqual([]);
    expect(again.recovery.droppedBytes).toBe(0);
    // New records continue the numbering.
    expect((await appendAll(again.spool, ['later']))[0]!.seq).toBe(51);
    await again.spool.close();
  });

  it('replays marked batches with their tokens and ranges, skips checkpointed records, and new records after them', async () => {
    const dir = freshDir();
    const { spool } = await Spool.open({ dir, maxBytes: 1 << 20 });
    await appendAll(spool, ['a', 'b', 'c']);
    await spool.mark('token-1', 1, 2);
    await spool.checkpoint(2); // batch 1..2 written
    await spool.mark('token-2', 3, 3); // batch 3..3 started: the crash comes before its checkpoint
    await appendAll(spool, ['d', 'e']);
    await spool.close();

    const { spool: s2, recovery } = await Spool.open({ dir, maxBytes: 1 << 20 });
    expect(recovery.entries.map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(recovery.batches).toEqual([{ token: 'token-2', first: 3, last: 3 }]);
    // Keys of written records stay known, so an exporter retry of them is still a duplicate.
    expect(recovery.keys).toHaveLength(5);
    await s2.close();

    // A second crash before anything is written brings back exactly the same plan.
    const { spool: s3, recovery: again } = await Spool.open({ dir, maxBytes: 1 << 20 });
    expect(again.batches).toEqual(recovery.batches);
    expect(again.entries.map((e) => e.seq)).toEqual([3, 4, 5]);
    await s3.close();
  });

  it('drops a torn tail and keeps every record before it', async () => {
    const dir = freshDir();
    const { spool } = await Spool.open({ dir, maxBytes: 1 << 20 });
    await appendAll(spool, ['one', 'two', 'three']);
    await spool.close();
    const [file] = readdirSync(dir);
    const path = join(dir, file!);
    const size = statSync(path).size;
    truncateSync(path, size - 7); // the last record, cut mid-way

    const { spool: s2, recovery } = await Spool.open({ dir, maxBytes: 1 << 20 });
    expect(recovery.entries.map((e) => e.seq)).toEqual([1, 2]);
    expect(await bodies(s2, recovery.entries)).toEqual(['one.0\none.1\n', 'two.0\ntwo.1\n']);
    expect(recovery.droppedBytes).toBeGreaterThan(0);
    expect(statSync(path).size).toBeLessThan(size - 7); // truncated to the last whole record
    await s2.close();
  });

  it('drops a tail of garbage (zero-filled or random) after a crash', async () => {
    const dir = freshDir();
    const { spool } = await Spool.open({ dir, maxBytes: 1 << 20 });
    await appendAll(spool, ['x', 'y']);
    await spool.close();
    const [file] = readdirSync(dir);
    const path = join(dir, file!);
    const size = statSync(path).size;
    writeFileSync(path, Buffer.alloc(4096), { flag: 'a' });
    const r1 = await Spool.open({ dir, maxBytes: 1 << 20 });
    expect(r1.recovery.entries.map((e) => e.seq)).toEqual([1, 2]);
    expect(statSync(path).size).toBe(size);
    await r1.spool.close();
    // A length that fits but a checksum that does not.
    const junk = Buffer.alloc(64, 0xab);
    junk.writeUInt32LE(40, 0);
    writeFileSync(path, junk, { flag: 'a' });
    const r2 = await Spool.open({ dir, maxBytes: 1 << 20 });
    expect(r2.recovery.entries.map((e) => e.seq)).toEqual([1, 2]);
    await r2.spool.close();
  });

  it('reclaims segments once everything in them is written, and refuses data beyond maxBytes until then', async () => {
    const dir = freshDir();
    const maxBytes = 4096;
    const { spool } = await Spool.open({ dir, maxBytes, segmentBytes: 1024 });
    const big = { rows: 1, keys: new Uint32Array(3), body: Buffer.alloc(900, 0x61) };
    let seq = 0;
    for (let i = 0; i < 4; i++) await spool.append(big.rows, big.keys, big.body, (e) => (seq = e.seq));
    expect(seq).toBe(4);
    expect(readdirSync(dir).length).toBeGreaterThanOrEqual(2);
    expect(spool.canAccept(big.rows, big.body.length)).toBe(false);
    expect(() => spool.append(big.rows, big.keys, big.body, () => undefined)).toThrow(/spool is full/);

    await spool.mark('t', 1, 4);
    await spool.checkpoint(4);
    // The segment still being appended to stays; it is empty of unwritten data.
    expect(readdirSync(dir)).toHaveLength(1);
    expect(spool.bytes).toBeLessThan(1024);
    expect(spool.canAccept(big.rows, big.body.length)).toBe(true);
    await spool.append(big.rows, big.keys, big.body, () => undefined);
    await spool.mark('u', 5, 5);
    await spool.checkpoint(5);
    await spool.close();

    const { spool: s2, recovery } = await Spool.open({ dir, maxBytes });
    expect(recovery.entries).toEqual([]);
    expect(recovery.batches).toEqual([]);
    await s2.close();
  });
});
