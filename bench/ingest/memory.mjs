#!/usr/bin/env node
// Collector memory over repeated load: `cairn start` as its own process on a fresh embedded store
// gets R rounds of (a) N valid spans at full load from 8 senders and (b) a fuzz phase of broken
// requests (random bytes, valid bodies with flipped bytes, bad JSON, truncated gzip), then idles.
// After each phase it reads the process's memory gauges from /metrics — RSS, V8 heap used / total,
// external (Buffers), ClickHouse's tracked memory (chDB inside the process) — plus, from /proc,
// code (file-backed pages: chDB's library, Node) and the rest (RSS minus those: the ingest
// workers' own heaps, allocator arenas keeping freed memory, stacks). Memory that grows round
// after round is retained; a level reached in round 1 and kept is a high-water mark.
// Usage (after `npm run build`):
//   node bench/ingest/memory.mjs [--rounds 4] [--spans 100000] [--fuzz 2000] [--idle-ms 5000]
//                                [--collector-env K=V]… [--node-arg ARG]…
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { buildBody } from './bodies.mjs';
import { freePort, load1, machine, reportResult } from '../lib.mjs';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '4' },
    spans: { type: 'string', default: '100000' },
    fuzz: { type: 'string', default: '2000' },
    'idle-ms': { type: 'string', default: '5000' },
    'collector-env': { type: 'string', multiple: true, default: [] },
    'node-arg': { type: 'string', multiple: true, default: [] },
  },
});
const ROUNDS = Number(values.rounds);
const PER_REQUEST = 1000;
const REQUESTS = Math.ceil(Number(values.spans) / PER_REQUEST);
const FUZZ = Number(values.fuzz);
const IDLE_MS = Number(values['idle-ms']);
const KEY = 'cairn_ik_' + 'memory'.repeat(5);
const MAIN = fileURLToPath(new URL('../../cli/dist/main.js', import.meta.url));

let seed = 7;
const rnd = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 4294967296;
};

/** One broken request of four kinds, as a fuzzer or a buggy exporter would send. */
function brokenRequest(valid, i) {
  const proto = { 'content-type': 'application/x-protobuf' };
  switch (i % 4) {
    case 0:
      return {
        body: Buffer.from(Array.from({ length: Math.floor(rnd() * 4096) }, () => Math.floor(rnd() * 256))),
        headers: proto,
      };
    case 1: {
      // A real body with a few bytes changed: decodes partly, spans rejected or dead-lettered.
      const b = Buffer.from(valid[i % valid.length]);
      for (let k = 0; k < 8; k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      return { body: b, headers: proto };
    }
    case 2:
      return {
        body: Buffer.from('{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":'),
        headers: { 'content-type': 'application/json' },
      };
    default:
      return { body: gzipSync(valid[i % valid.length]).subarray(0, 200), headers: { ...proto, 'content-encoding': 'gzip' } };
  }
}

async function post(url, body, headers) {
  for (;;) {
    const res = await fetch(url, { method: 'POST', body, headers: { authorization: `Bearer ${KEY}`, ...headers } });
    await res.arrayBuffer();
    if (res.status !== 503) return res.status;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'cairn-bench-memory-'));
  const otlpPort = await freePort();
  const env = {
    ...process.env,
    CAIRN_DATA_DIR: dataDir,
    CAIRN_OTLP_PORT: String(otlpPort),
    CAIRN_OTLP_GRPC_PORT: 'off',
    CAIRN_HTTP_PORT: String(await freePort()),
    CAIRN_INGEST_KEY: KEY,
    CAIRN_LOG_LEVEL: 'error',
    ...Object.fromEntries(values['collector-env'].map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
  };
  process.stderr.write(`building ${REQUESTS} bodies of ${PER_REQUEST} spans…\n`);
  const bodies = Array.from({ length: REQUESTS }, (_, i) => buildBody(i, PER_REQUEST));
  const proc = spawn(process.execPath, [...values['node-arg'], MAIN, 'start'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  const exited = new Promise((r) => proc.on('exit', r));
  const base = `http://127.0.0.1:${otlpPort}`;
  const rows = [];
  try {
    for (let i = 0; i < 600 && !/Cairn is running/.test(out); i++) await new Promise((r) => setTimeout(r, 100));
    if (!/Cairn is running/.test(out)) throw new Error('cairn start did not come up:\n' + out);
    const sample = async (round, phase) => {
      const m = await (await fetch(`${base}/metrics`)).text();
      const g = (name) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(m)?.[1] ?? NaN) / 1048576;
      const r = {
        round,
        phase,
        rss: g('process_resident_memory_bytes'),
        heap_used: g('nodejs_heap_used_bytes'),
        heap_total: g('nodejs_heap_total_bytes'),
        external: g('nodejs_external_memory_bytes'),
        clickhouse: g('cairn_clickhouse_memory_bytes'),
      };
      // File-backed pages (chDB's and Node's code) are not heap: split them off the rest.
      const status = readFileSync(`/proc/${proc.pid}/status`, 'utf8');
      r.file = Number(/^RssFile:\s+(\d+)/m.exec(status)?.[1] ?? NaN) / 1024;
      r.rest = r.rss - r.file - r.heap_total - r.external - r.clickhouse;
      rows.push(r);
      const f = (v) => v.toFixed(0).padStart(6);
      console.log(
        `${String(round).padStart(5)}  ${phase.padEnd(6)} ${f(r.rss)} ${f(r.heap_used)} ${f(r.heap_total)} ${f(r.external)} ${f(r.clickhouse)} ${f(r.file)} ${f(r.rest)}`,
      );
    };
    console.log('round  phase     rss   heap  heapT    ext   chdb   code   rest   (MB)');
    await sample(0, 'start');
    for (let round = 1; round <= ROUNDS; round++) {
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < bodies.length)
            await post(`${base}/v1/traces`, bodies[next++], { 'content-type': 'application/x-protobuf' });
        }),
      );
      await sample(round, 'load');
      const statuses = new Map();
      let f = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (f < FUZZ) {
            const { body, headers } = brokenRequest(bodies, f++);
            const s = await post(`${base}/v1/traces`, body, headers);
            statuses.set(s, (statuses.get(s) ?? 0) + 1);
          }
        }),
      );
      if (statuses.has(500)) throw new Error(`fuzz got 500s: ${JSON.stringify([...statuses])}`);
      await sample(round, 'fuzz');
      await new Promise((r) => setTimeout(r, IDLE_MS));
      await sample(round, 'idle');
    }
  } finally {
    proc.kill('SIGINT');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
  const last = rows.filter((r) => r.phase === 'idle');
  const result = {
    machine: machine(),
    date: new Date().toISOString().slice(0, 10),
    load1: load1(),
    rounds: ROUNDS,
    spans_per_round: REQUESTS * PER_REQUEST,
    fuzz_per_round: FUZZ,
    samples: rows.map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v) : v])),
    ),
    idle_rss_growth_mb_per_round: last.length > 1 ? Math.round((last.at(-1).rss - last[0].rss) / (last.length - 1)) : null,
  };
  console.log(JSON.stringify({ idle_rss_growth_mb_per_round: result.idle_rss_growth_mb_per_round, load1: result.load1 }));
  reportResult(result);
}

await main();
