import { rawSql, type RawSql } from '@cairn/storage/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PRICE_BOOK } from '@cairn/schemas';
import { listDeadLetters, openStore, type Store } from '@cairn/storage';
import {
  BatchWriter,
  DEAD_LETTER_FILE,
  classifyInsertError,
  createCollectorMetrics,
  createDeadLetterSink,
  deadLetterOf,
  prepareRequest,
  type CollectorMetrics,
} from '../src/index.js';
import { tempDataDir } from '@cairn/testkit';

// The writer against a real embedded store: lines ClickHouse refuses (as an older collector
// spooled them, or hand-made) are isolated by bisection and kept as dead letters; outages are
// retried and never dead-lettered.
const tmp = tempDataDir();
let store: Store;
beforeAll(async () => {
  store = await openStore({ dataDir: join(tmp.dir, 'store') });
});
afterAll(async () => {
  await store.close();
  tmp.cleanup();
});

let seq = 0;
const hex = (width: number): string => (++seq).toString(16).padStart(width, '0');

/** `count` valid insert lines of `project`, from a real OTLP/JSON request. */
function goodLines(project: string, count: number): string[] {
  const t = BigInt(Date.now()) * 1_000_000n;
  const traceId = hex(32);
  const spans = Array.from({ length: count }, (_, i) => ({
    traceId,
    spanId: hex(16),
    name: `good-${i}`,
    startTimeUnixNano: String(t - 1000n),
    endTimeUnixNano: String(t),
  }));
  const json = JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans }] }] });
  const p = prepareRequest(Buffer.from(json), 'json', project, DEFAULT_PRICE_BOOK);
  return p.body.toString('utf8').trimEnd().split('\n');
}

/** A line the store refuses: a start time past the year 2262 (Code 407, decimal overflow). */
function pastEndLine(project: string): string {
  const cols = JSON.parse(goodLines(project, 1)[0]!) as unknown[];
  cols[12] = '99999999999.000000000';
  return JSON.stringify(cols);
}

/** A line the store refuses: a negative token count (Code 72). */
function negativeTokensLine(project: string): string {
  const cols = JSON.parse(goodLines(project, 1)[0]!) as unknown[];
  cols[19] = -1;
  return JSON.stringify(cols);
}

const body = (lines: string[]): Buffer => Buffer.from(lines.map((l) => l + '\n').join(''));

async function count(project: string): Promise<number> {
  const [r] = await rawSql(store).query<{ n: number }>('SELECT count() AS n FROM spans WHERE project_id = {p:String}', {
    p: project,
  });
  return Number(r!.n);
}

function writer(s: Store, metrics: CollectorMetrics, spoolDir?: string): BatchWriter {
  const sink = createDeadLetterSink(s, spoolDir, metrics);
  return new BatchWriter(
    (b, _rows, token) => s.insertSpanLines(b, { dedupToken: token }),
    {
      maxRows: 100_000,
      maxMs: 600_000,
      maxQueuedRows: 1_000_000,
      retryBaseMs: 5,
      retryMaxMs: 20,
      deadLetter: (line, error, id) => sink([deadLetterOf(line, error, id)]),
    },
    metrics,
  );
}

describe('classifyInsertError', () => {
  it('reads the code from chDB text and from the HTTP client, and treats everything else as retryable', () => {
    expect(classifyInsertError(new Error('Code: 41. DB::Exception: Cannot parse DateTime: (at row 1)\nRow 1: …'))).toEqual({
      kind: 'data',
      code: 41,
      message: 'Code: 41. DB::Exception: Cannot parse DateTime: (at row 1)',
    });
    expect(classifyInsertError(Object.assign(new Error('Decimal math overflow'), { code: '407' })).kind).toBe('data');
    expect(classifyInsertError(new Error('connect ECONNREFUSED 127.0.0.1:8123')).kind).toBe('retry');
    expect(classifyInsertError(new Error('Code: 252. DB::Exception: Too many parts')).kind).toBe('retry');
    expect(classifyInsertError(new Error('Code: 241. DB::Exception: Memory limit exceeded')).kind).toBe('retry');
  });
});

describe('poison-batch quarantine', () => {
  it('bisects a refused batch: the good rows of both projects are written, each refused row is a dead letter with its error', async () => {
    const metrics = createCollectorMetrics();
    const w = writer(store, metrics);
    const a = goodLines('q-a', 120);
    const b = goodLines('q-b', 80);
    const bad1 = pastEndLine('q-a');
    const bad2 = negativeTokensLine('q-b');
    const bad3 = pastEndLine('q-a');
    const lines = [...a.slice(0, 50), bad1, ...b.slice(0, 40), bad2, ...a.slice(50), ...b.slice(40), bad3];
    w.enqueue(body(lines), lines.length);
    expect(await w.flush(60_000)).toBe(true);
    expect(await count('q-a')).toBe(120);
    expect(await count('q-b')).toBe(80);
    expect(metrics.spansWritten.get()).toBe(200);
    expect(metrics.batchesBisected.get()).toBe(1);
    expect(metrics.batchFailures.get()).toBe(0);
    expect(metrics.deadLetterSpans.get({ reason: 'clickhouse_407' })).toBe(2);
    expect(metrics.deadLetterSpans.get({ reason: 'clickhouse_72' })).toBe(1);
    const lettersA = await listDeadLetters(store, { projectId: 'q-a', limit: 10 });
    expect(lettersA.map((l) => l.line).sort()).toEqual([bad1, bad3].sort());
    expect(lettersA.every((l) => l.error_code === 407 && /Decimal math overflow/.test(l.reason))).toBe(true);
    const lettersB = await listDeadLetters(store, { projectId: 'q-b', limit: 10 });
    expect(lettersB).toHaveLength(1);
    expect(lettersB[0]).toMatchObject({ line: bad2, error_code: 72, span_id: JSON.parse(bad2)[3] });
  });

  it('retries an outage and dead-letters nothing; an outage in the middle of a bisection resumes where it stopped', async () => {
    const metrics = createCollectorMetrics();
    let calls = 0;
    const failAt = new Set([1, 2, 5]);
    const flaky: Store = {
      ...store,
      insertSpanLines: async (b, o) => {
        calls++;
        if (failAt.has(calls)) throw new Error('connect ECONNREFUSED 127.0.0.1:9000');
        return store.insertSpanLines(b, o);
      },
    };
    const w = writer(flaky, metrics);
    const good = goodLines('q-outage', 64);
    const bad = pastEndLine('q-outage');
    const lines = [...good.slice(0, 10), bad, ...good.slice(10)];
    w.enqueue(body(lines), lines.length);
    expect(await w.flush(60_000)).toBe(true);
    expect(await count('q-outage')).toBe(64);
    expect(metrics.batchFailures.get()).toBe(3);
    const letters = await listDeadLetters(store, { projectId: 'q-outage', limit: 10 });
    expect(letters.map((l) => l.line)).toEqual([bad]);

    const plain = createCollectorMetrics();
    let down = 2;
    const outage: Store = {
      ...store,
      insertSpanLines: async (b, o) => {
        if (down-- > 0) throw new Error('ClickHouse is unavailable');
        return store.insertSpanLines(b, o);
      },
    };
    const w2 = writer(outage, plain);
    const only = goodLines('q-outage-2', 5);
    w2.enqueue(body(only), only.length);
    expect(await w2.flush(60_000)).toBe(true);
    expect(await count('q-outage-2')).toBe(5);
    expect(plain.batchesBisected.get()).toBe(0);
    expect(await listDeadLetters(store, { projectId: 'q-outage-2', limit: 10 })).toEqual([]);
  });

  it('writes dead letters to <spoolDir>/dead-letters.jsonl when the dead_letters table refuses them', async () => {
    const metrics = createCollectorMetrics();
    const noTable: Store & RawSql = {
      ...store,
      ...rawSql(store),
      insertRows: async (table, rows, o) => {
        if (table === 'dead_letters') throw new Error('Code: 60. DB::Exception: Table default.dead_letters does not exist');
        return rawSql(store).insertRows(table, rows, o);
      },
    };
    const w = writer(noTable, metrics, tmp.dir);
    const good = goodLines('q-file', 7);
    const bad = negativeTokensLine('q-file');
    w.enqueue(body([bad, ...good]), good.length + 1);
    expect(await w.flush(60_000)).toBe(true);
    expect(await count('q-file')).toBe(7);
    expect(metrics.deadLetterFileSpans.get()).toBe(1);
    const file = readFileSync(join(tmp.dir, DEAD_LETTER_FILE), 'utf8').trim().split('\n');
    expect(file).toHaveLength(1);
    expect(JSON.parse(file[0]!)).toMatchObject({ project_id: 'q-file', line: bad, error_code: 72 });
  });

  it('without a place for dead letters at all, keeps the refused row and retries (nothing dropped)', async () => {
    const metrics = createCollectorMetrics();
    let refuse = true;
    const noTable: Store & RawSql = {
      ...store,
      ...rawSql(store),
      insertRows: async (table, rows, o) => {
        if (table === 'dead_letters' && refuse)
          throw new Error('Code: 60. DB::Exception: Table default.dead_letters does not exist');
        return rawSql(store).insertRows(table, rows, o);
      },
    };
    const w = writer(noTable, metrics);
    const bad = pastEndLine('q-none');
    w.enqueue(body([bad, ...goodLines('q-none', 3)]), 4);
    // The good rows go in; the refused one stays queued while no place takes it.
    for (let i = 0; i < 600 && (await count('q-none')) < 3; i++) await w.flush(50);
    expect(await count('q-none')).toBe(3);
    expect(await w.flush(200)).toBe(false);
    expect(w.backlog).toBe(1);
    expect(metrics.batchFailures.get()).toBeGreaterThan(0);
    refuse = false;
    expect(await w.flush(60_000)).toBe(true);
    expect((await listDeadLetters(store, { projectId: 'q-none', limit: 10 })).map((l) => l.line)).toEqual([bad]);
  });
});
