import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '@cairn/storage';
import { buildCollector, type Collector, type CollectorConfig } from '../src/index.js';
import { currentThreadId } from '../src/pipeline/thread-priority.js';
import { tempDataDir } from '@cairn/testkit';
import { chatSession, protoBody, recordSpans } from './otel-fixtures.js';

// `yieldNice`: with the embedded store every thread of the process but the event loop and the
// ingest workers gets the nice value, so the ingest path goes first. Read back from /proc (Linux,
// where the suite runs).
const tmp = tempDataDir();
let store: Store;

beforeAll(async () => {
  store = await openStore({ dataDir: tmp.dir });
});
afterAll(async () => {
  await store.close();
  tmp.cleanup();
});

/** tid → { name, nice } for every thread of this process. */
function threads(): Map<number, { name: string; nice: number }> {
  const out = new Map<number, { name: string; nice: number }>();
  for (const t of readdirSync('/proc/self/task')) {
    try {
      const name = readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim();
      const nice = Number(readFileSync(`/proc/self/task/${t}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]);
      out.set(Number(t), { name, nice });
    } catch {
      // ended meanwhile
    }
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function post(url: string, sessionId: string): Promise<void> {
  const body = protoBody(await recordSpans((t) => chatSession(t, sessionId)));
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/x-protobuf', authorization: 'Bearer k' },
  });
  expect(res.status).toBe(200);
}

async function start(yieldNice: number, more: Partial<CollectorConfig> = {}): Promise<{ collector: Collector; url: string }> {
  const collector = await buildCollector(
    {
      host: '127.0.0.1',
      port: 0,
      maxBodyBytes: 1 << 20,
      batchMaxRows: 1000,
      batchMaxMs: 20,
      yieldNice,
      logLevel: 'silent',
      ...more,
    },
    { store, authenticate: async () => ({ projectId: 'p1', kind: 'ingest' }) },
  );
  // An insert, so chDB's insert threads exist before the threads are read.
  const url = (await collector.app.listen({ host: '127.0.0.1', port: 0 })) + '/v1/traces';
  await post(url, `s-nice-${yieldNice}`);
  await collector.flush();
  return { collector, url };
}

describe('the embedded store yields to the ingest path', () => {
  it('leaves every priority alone when yieldNice is 0', async () => {
    const { collector } = await start(0);
    await collector.close();
    const all = [...threads().values()];
    expect(all.filter((t) => t.name !== 'node').length).toBeGreaterThan(0); // chDB's named threads
    // None raised (chDB's MemoryWorker lowers its own to -20 when it may: that is chDB's choice).
    expect(all.filter((t) => t.nice > 0)).toEqual([]);
  });

  it('gives every other thread the nice value: chDB and libuv yield, the event loop and the ingest worker do not', async () => {
    const { collector } = await start(7);
    const workerIds = collector.workers?.threadIds ?? [];
    expect(workerIds.length).toBe(1);
    const loop = currentThreadId()!;
    // The sweep runs at start and every second: after the next one, no thread can be unswept
    // (threads chDB starts from a yielded thread inherit 7 at once anyway).
    await sleep(1200);
    const all = threads();
    expect(all.get(loop)!.nice).toBe(0);
    expect(all.get(workerIds[0]!)!.nice).toBe(0);
    const others = [...all].filter(([tid]) => tid !== loop && tid !== workerIds[0]);
    expect(others.filter(([, t]) => t.name === 'MergeMutate' || t.name === 'ThreadPool').length).toBeGreaterThan(0);
    expect(others.filter(([, t]) => t.nice !== 7)).toEqual([]);
    await collector.close();
  });

  it('gives the worker the same value while the writer lags, then a fresh worker takes the lead', async () => {
    // Nothing is written until flush: the backlog is every accepted span.
    const { collector, url } = await start(7, { batchMaxMs: 600_000, yieldBacklogRows: 3 });
    const [first] = collector.workers!.threadIds!;
    expect(threads().get(first!)!.nice).toBe(0);
    await post(url, 's-lag-1');
    await post(url, 's-lag-2'); // 4 rows waiting > 3
    await sleep(1300);
    expect(threads().get(first!)!.nice).toBe(7);

    await collector.flush(); // under a fifth of 3 rows
    await sleep(1300);
    const [fresh] = collector.workers!.threadIds!;
    expect(fresh).not.toBe(first);
    expect(threads().get(fresh!)!.nice).toBe(0);
    expect(threads().has(first!)).toBe(false); // the old worker stopped
    await post(url, 's-after'); // and the fresh one answers
    await collector.close();
  });
});
