#!/usr/bin/env node
// Micro-benchmark of the store's half of ingest: the spans' insert into embedded chDB alone —
// parse, the `spans` part, the two rollup materialized views, and the merges they cause — on
// the very bodies the collector's workers produce (`prepareRequest` of bench/ingest/bodies.mjs
// requests), batched as the batch writer batches them (whole requests up to --batch rows, each
// insert with its own dedup token). No HTTP, no JS decode: what is left is chDB's cost per span.
// Reports, per 1,000 spans: wall ms of the inserts, CPU ms of this process by thread name
// (chDB's pipeline threads vs the event loop), and ClickHouse's own counters from system.events
// (insert query time, rows and bytes merged, parts written). Usage:
//   node bench/ingest/insert.mjs [--requests 100] [--per-request 1000] [--batch 20000]
//     [--no-views] [--root /other/checkout]
// Counters and CPU per span are load-independent enough to compare variants; wall time is not.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildBody } from './bodies.mjs';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '100' },
    'per-request': { type: 'string', default: '1000' },
    batch: { type: 'string', default: '20000' },
    'no-views': { type: 'boolean', default: false },
    root: { type: 'string' },
  },
});
const root = resolve(values.root ?? fileURLToPath(new URL('../..', import.meta.url)));
const load = (p) => import(pathToFileURL(resolve(root, p)).href);
const { prepareRequest } = await load('collector/dist/prepare.js');
const { DEFAULT_PRICE_BOOK } = await load('schemas/dist/index.js');
const { openStore } = await load('storage/dist/index.js');

/** CPU seconds of this process per thread name (Linux /proc; numbered names folded). */
function cpuByThread() {
  const out = {};
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const name = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim().replace(/\d+$/, '#');
      const f = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
      const key = tid === String(process.pid) ? 'event loop (main)' : name;
      out[key] = (out[key] ?? 0) + (Number(f[11]) + Number(f[12])) / 100;
    } catch {
      // thread gone
    }
  }
  return out;
}

const REQUESTS = Number(values.requests);
const PER_REQUEST = Number(values['per-request']);
process.stderr.write(`preparing ${REQUESTS} requests of ${PER_REQUEST} spans…\n`);
const template = Array.from({ length: Math.min(REQUESTS, 20) }, (_, i) => buildBody(i, PER_REQUEST));
// Distinct sessions per request (as the full bench sends) from 20 built bodies: the session ids
// are rewritten in the protobuf (same length, so the framing holds).
const prepared = [];
for (let i = 0; i < REQUESTS; i++) {
  const raw = Buffer.from(template[i % template.length]);
  const from = `bench-${i % template.length}-`;
  const to = `b${String(i).padStart(from.length - 2, '0')}-`;
  let at = 0;
  while ((at = raw.indexOf(from, at)) >= 0) at += raw.write(to, at);
  prepared.push(prepareRequest(new Uint8Array(raw), 'protobuf', 'default', DEFAULT_PRICE_BOOK));
}
const batches = [];
for (let i = 0; i < prepared.length;) {
  const parts = [];
  let rows = 0;
  while (i < prepared.length && (rows === 0 || rows + prepared[i].rows <= Number(values.batch))) {
    parts.push(prepared[i].body);
    rows += prepared[i++].rows;
  }
  batches.push({ body: Buffer.concat(parts), rows });
}
const spans = batches.reduce((a, b) => a + b.rows, 0);

const dataDir = mkdtempSync(join(tmpdir(), 'cairn-bench-insert-'));
const store = await openStore({ dataDir });
try {
  if (values['no-views']) {
    await store.command('DROP VIEW IF EXISTS sessions_rollup_mv');
    await store.command('DROP VIEW IF EXISTS cost_hourly_mv');
  }
  const events = async () =>
    Object.fromEntries((await store.query('SELECT event, value FROM system.events')).map((r) => [r.event, Number(r.value)]));
  const e0 = await events();
  const c0 = cpuByThread();
  const t0 = performance.now();
  const times = [];
  for (const b of batches) {
    const t = performance.now();
    await store.insertSpanLines(b.body, { dedupToken: randomUUID() });
    times.push(performance.now() - t);
  }
  const wall = performance.now() - t0;
  // Merges the inserts set off, up to a settled table (what the background pays later).
  for (let i = 0; i < 100; i++) {
    const [{ n }] = await store.query('SELECT count() AS n FROM system.merges');
    if (Number(n) === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const c1 = cpuByThread();
  const e1 = await events();
  const per1k = (v) => Number(((v * 1000) / spans).toFixed(2));
  const d = (k) => (e1[k] ?? 0) - (e0[k] ?? 0);
  const cpu = {};
  for (const [k, v] of Object.entries(c1)) if (v - (c0[k] ?? 0) >= 0.01) cpu[k] = per1k((v - (c0[k] ?? 0)) * 1000);
  times.sort((a, b) => a - b);
  console.log(
    JSON.stringify(
      {
        root,
        spans,
        batches: batches.length,
        body_bytes_per_span: Math.round(batches.reduce((a, b) => a + b.body.length, 0) / spans),
        views: !values['no-views'],
        insert_wall_ms_per_1k: per1k(wall),
        rows_per_s: Math.round(spans / (wall / 1000)),
        insert_ms_p50: Number(times[times.length >> 1].toFixed(1)),
        cpu_ms_per_1k_by_thread: Object.fromEntries(Object.entries(cpu).sort((a, b) => b[1] - a[1])),
        insert_query_ms_per_1k: per1k(d('InsertQueryTimeMicroseconds') / 1000),
        inserted_rows_per_span: Number((d('InsertedRows') / spans).toFixed(2)),
        parts_written: d('InsertedCompactParts') + d('InsertedWideParts'),
        merges: d('Merge'),
        merged_rows_per_span: Number((d('MergedRows') / spans).toFixed(2)),
        merge_ms_per_1k: per1k(d('MergeTotalMilliseconds') || d('MergesTimeMilliseconds')),
        os_cpu_ms_per_1k: per1k(d('OSCPUVirtualTimeMicroseconds') / 1000),
        user_cpu_ms_per_1k: per1k(d('UserTimeMicroseconds') / 1000),
      },
      null,
      2,
    ),
  );
} finally {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
}
