#!/usr/bin/env node
// Ingest benchmark: `cairn start` as its own process on a fresh embedded store; concurrent senders
// POST OTLP protobuf bodies built by the official OpenTelemetry serializer. Two clocks stop:
// - `visible`: when GET /api/sessions (what the dashboard reads, paged, with the admin key) counts
//   every span sent — what a user sees; the headline figure;
// - `written`: when cairn_spans_written_total on /metrics reaches the number sent (rows in
//   `spans`; the session rollup may still lag).
// Time to visible: for each request, from its 200 until the API counts all of its sessions'
// spans (p50 / p99; the poll interval, --poll-ms, bounds the resolution). Cold start included:
// the clock starts when `cairn start` is spawned; excluded: at the first request.
// Then the store is opened to verify the row count. Usage:
//   node bench/ingest/run.mjs [--spans 100000] [--per-request 1000] [--senders 8] [--profile DIR]
//   node bench/ingest/run.mjs --rate 10000 [--seconds 20] [--per-request 500]
// Full load (default): the senders post as fast as the collector answers.
// --rate N: paced, open loop — one request every per-request/N seconds whatever the answers
// (as exporters on many hosts would), for request latency at a given load; a probe
// (fsync-probe.mjs) times the disk's own fdatasync meanwhile, the same-run baseline of the p99.
// Each answer's Server-Timing header (the collector's phases: receive, decompress, queue, prepare,
// durable) gives phase_ms_p99 and the split of the slowest 1 % of requests: what the tail waited for.
// --profile writes a V8 CPU profile of the collector process into DIR (open it in Chrome DevTools).
// Overload: more senders than the collector keeps up with and a small spool
//   (CAIRN_SPOOL_MAX_BYTES=67108864 node bench/ingest/run.mjs --senders 32) shows the 503s
//   (retries_503, each retried after a pause as an exporter would) and the bounded memory
//   (peak_rss_mb: the cairn process's high-water mark).
// --node-arg ARG (repeatable) passes a node option to the collector process (e.g.
// --node-arg=--import=./bench/ingest/loop-delay.mjs); --keep-data leaves the store directory for
// system.query_log / system.part_log; --collector-env K=V (repeatable) sets an environment variable
// of the collector process only (e.g. glibc's MALLOC_MMAP_THRESHOLD_, for an A/B).
// --cli PATH runs another build's cli/dist/main.js (e.g. a checkout of the previous commit), for
// a before/after ratio on the same machine in the same minutes. CAIRN_* variables pass through.
import { rawSql } from '../../storage/dist/testing.js';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { openStore } from '../../storage/dist/index.js';
import { buildBody } from './bodies.mjs';
import { startFsyncProbe } from './fsync-probe.mjs';
import { freePort, percentile, reportResult } from '../lib.mjs';

const { values } = parseArgs({
  options: {
    spans: { type: 'string', default: '100000' },
    'per-request': { type: 'string', default: '1000' },
    senders: { type: 'string', default: '8' },
    profile: { type: 'string' },
    rate: { type: 'string' },
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '2' },
    cli: { type: 'string' },
    'poll-ms': { type: 'string', default: '250' },
    'node-arg': { type: 'string', multiple: true, default: [] },
    'collector-env': { type: 'string', multiple: true, default: [] },
    'keep-data': { type: 'boolean', default: false },
  },
});
const RATE = values.rate ? Number(values.rate) : undefined;
const PER_REQUEST = Number(values['per-request']);
const TOTAL = RATE ? RATE * Number(values.seconds) : Number(values.spans);
const SENDERS = Number(values.senders);
const KEY = 'cairn_ik_' + 'bench'.repeat(6);
const ADMIN_KEY = 'cairn_ak_' + 'bench'.repeat(6);
const POLL_MS = Number(values['poll-ms']);
const PER_SESSION = 50; // bodies.mjs: an agent span + 49 children per session
const MAIN = values.cli ?? fileURLToPath(new URL('../../cli/dist/main.js', import.meta.url));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds (user + system, all threads) a process has used so far; Linux /proc only. */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return NaN;
  }
}

/**
 * CPU seconds per thread name of a process (Linux /proc only): node's main thread is `node`
 * (or `MainThread`), worker threads `WorkerThread`-like names, libuv's pool `libuv-worker`,
 * chDB's own threads their ClickHouse names (QueryPipelineEx, MergeMutate, BgSchPool, …).
 */
function cpuByThread(pid) {
  const out = {};
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim().replace(/\d+$/, '#');
        const key = tid === String(pid) ? `${name} (main)` : name;
        const f = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
        out[key] = (out[key] ?? 0) + (Number(f[11]) + Number(f[12])) / 100;
      } catch {
        // the thread ended between the listing and the read
      }
    }
  } catch {
    // not Linux
  }
  return out;
}

/** CPU seconds per thread name spent between two `cpuByThread` readings, largest first. */
function cpuDelta(before, after) {
  const out = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d >= 0.01) out[k] = Number(d.toFixed(2));
  }
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]));
}

/**
 * Peak resident memory of a process so far in MB (VmHWM: the kernel's high-water mark, so a
 * spike between two samples is not missed); Linux /proc only.
 */
function peakRssMb(pid) {
  try {
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? NaN : Math.round(Number(kb) / 1024);
  } catch {
    return NaN;
  }
}

const PHASES = ['receive', 'decompress', 'queue', 'prepare', 'durable'];

/** The collector's `Server-Timing` answer header → { phase: ms } (request-phases.ts). */
function serverTiming(header) {
  const out = {};
  for (const entry of (header ?? '').split(', ')) {
    const m = /^(\w+);dur=([\d.]+)$/.exec(entry);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

/**
 * Posts one body until it is accepted (503 → wait and retry, as an exporter would). Each answer
 * goes into `samples` as { ms: what the client waited, phases: what the server says it spent }.
 */
async function send(url, body, samples, onAck) {
  let retries = 0;
  for (;;) {
    const t = performance.now();
    const res = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${KEY}` },
    });
    await res.arrayBuffer();
    samples.push({ ms: performance.now() - t, phases: serverTiming(res.headers.get('server-timing')) });
    if (res.status === 200) {
      onAck?.(performance.now());
      return retries;
    }
    if (res.status !== 503) throw new Error(`HTTP ${res.status}`);
    retries++;
    await sleep(50);
  }
}

/** Full load: SENDERS loops, each posting the next body as soon as its previous one is answered. */
async function fullLoad(url, bodies, samples, onAck) {
  let next = 0;
  let retries = 0;
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      while (next < bodies.length) {
        const i = next++;
        retries += await send(url, bodies[i], samples, (t) => onAck(i, t));
      }
    }),
  );
  return retries;
}

/**
 * Paced: body i leaves at t0 + i × interval, answered or not. Latencies of the first --warmup
 * seconds (JIT, first key lookup, connection setup) are left out.
 */
async function paced(url, bodies, samples, onAck) {
  const intervalMs = (PER_REQUEST / RATE) * 1000;
  const warmupMs = Number(values.warmup) * 1000;
  const t0 = performance.now();
  const inFlight = [];
  for (let i = 0; i < bodies.length; i++) {
    const wait = t0 + i * intervalMs - performance.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(send(url, bodies[i], i * intervalMs < warmupMs ? [] : samples, (t) => onAck(i, t)));
  }
  return (await Promise.all(inFlight)).reduce((a, b) => a + b, 0);
}

/** p99 of each Server-Timing phase over every answered request. */
function phaseP99(samples) {
  const out = {};
  for (const phase of PHASES) {
    const xs = samples.map((x) => x.phases[phase] ?? 0).sort((a, b) => a - b);
    out[phase] = Number(percentile(xs, 99).toFixed(1));
  }
  return out;
}

/** The mean phase split of the requests the client waited `atLeastMs` or more for. */
function slowestSplit(samples, atLeastMs) {
  const slow = samples.filter((x) => x.ms >= atLeastMs);
  const mean = (f) => Number((slow.reduce((a, x) => a + f(x), 0) / slow.length).toFixed(1));
  const out = { requests: slow.length, client: mean((x) => x.ms) };
  for (const phase of PHASES) out[phase] = mean((x) => x.phases[phase] ?? 0);
  out.outside = mean((x) => x.ms - PHASES.reduce((a, p) => a + (x.phases[p] ?? 0), 0));
  return out;
}

/** Steps per session as GET /api/sessions shows them, every page (what the dashboard lists). */
async function apiSteps(api) {
  const steps = new Map();
  let cursor = null;
  do {
    const q = new URLSearchParams({ limit: '500' });
    if (cursor) q.set('cursor', cursor);
    const res = await fetch(`${api}/api/sessions?${q}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    if (!res.ok) throw new Error(`GET /api/sessions: HTTP ${res.status} ${await res.text()}`);
    const page = await res.json();
    for (const s of page.sessions) steps.set(s.session_id, s.steps);
    cursor = page.next_cursor;
  } while (cursor);
  return steps;
}

/**
 * Polls the API until it counts `sent` spans. visibleAt[i] is when every session of request i
 * first showed all its steps; the poll that counts everything returns its time.
 */
async function watchApi(api, requests, sent, visibleAt) {
  const sessionsPerRequest = Math.ceil(PER_REQUEST / PER_SESSION);
  for (;;) {
    const steps = await apiSteps(api);
    const now = performance.now();
    let total = 0;
    for (const n of steps.values()) total += n;
    for (let i = 0; i < requests; i++) {
      if (visibleAt[i] !== undefined) continue;
      let all = true;
      for (let s = 0; s < sessionsPerRequest && all; s++) all = (steps.get(`bench-${i}-${s}`) ?? 0) >= PER_SESSION;
      if (all) visibleAt[i] = now;
    }
    if (total >= sent) return now;
    await sleep(POLL_MS);
  }
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'cairn-bench-ingest-'));
  const otlpPort = await freePort();
  const apiPort = await freePort();
  const env = {
    ...process.env,
    CAIRN_DATA_DIR: dataDir,
    CAIRN_OTLP_PORT: String(otlpPort),
    CAIRN_OTLP_GRPC_PORT: 'off', // sends over HTTP only; never competes for 4317
    CAIRN_HTTP_PORT: String(apiPort),
    CAIRN_INGEST_KEY: KEY,
    CAIRN_ADMIN_KEY: ADMIN_KEY,
    CAIRN_LOG_LEVEL: 'warn',
    ...Object.fromEntries(values['collector-env'].map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
  };
  // The bodies are built before Cairn starts, so the startup is timed alone (cold start).
  const requests = Math.ceil(TOTAL / PER_REQUEST);
  process.stderr.write(`building ${requests} OTLP protobuf bodies of ${PER_REQUEST} spans…\n`);
  const bodies = Array.from({ length: requests }, (_, i) => buildBody(i, PER_REQUEST));
  const sent = bodies.length * PER_REQUEST;
  const nodeArgs = [...(values.profile ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] : []), ...values['node-arg']];
  const tSpawn = performance.now();
  const proc = spawn(process.execPath, [...nodeArgs, MAIN, 'start'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  const exited = new Promise((r) => proc.on('exit', r));
  try {
    const mb = bodies.reduce((a, b) => a + b.length, 0) / 1e6;
    for (let i = 0; i < 600 && !/Cairn is running/.test(out); i++) await new Promise((r) => setTimeout(r, 100));
    if (!/Cairn is running/.test(out)) throw new Error('cairn start did not come up:\n' + out);
    const url = `http://127.0.0.1:${otlpPort}/v1/traces`;
    const metrics = async () => (await fetch(`http://127.0.0.1:${otlpPort}/metrics`)).text();
    const written = async () => Number(/^cairn_spans_written_total (\d+)/m.exec(await metrics())?.[1] ?? 0);
    const tUp = performance.now();
    const samples = [];
    const ackAt = new Array(requests);
    const visibleAt = new Array(requests);
    const onAck = (i, t) => (ackAt[i] = t);
    const cpu0 = { collector: cpuSeconds(proc.pid), bench: process.cpuUsage(), threads: cpuByThread(proc.pid) };
    // Paced runs measure latency: the disk's own fsync latency meanwhile is their baseline.
    const probe = RATE ? startFsyncProbe(join(dataDir, 'fsync-probe')) : undefined;
    const t0 = performance.now();
    const visible = watchApi(`http://127.0.0.1:${apiPort}`, requests, sent, visibleAt);
    const retries = RATE ? await paced(url, bodies, samples, onAck) : await fullLoad(url, bodies, samples, onAck);
    const tSent = performance.now();
    const fsyncProbe = await probe?.stop();
    while ((await written()) < sent) await new Promise((r) => setTimeout(r, 20));
    const tDone = performance.now();
    const tVisible = await visible;
    const toVisible = visibleAt.map((v, i) => v - ackAt[i]).sort((a, b) => a - b);
    const collectorCpu = cpuSeconds(proc.pid) - cpu0.collector;
    const threadCpu = cpuDelta(cpu0.threads, cpuByThread(proc.pid));
    const peakRss = peakRssMb(proc.pid);
    // The collector's own view (arrival to answer, warm-up included): what the bench process's
    // own pauses cannot inflate.
    const m = await metrics();
    const bucket = (le) => {
      const line = m.split('\n').find((l) => l.startsWith(`cairn_otlp_request_duration_seconds_bucket{le="${le}"} `));
      return Number(line?.split(' ')[1]);
    };
    const serverWithin50ms = bucket('0.05') / bucket('+Inf');
    const benchCpu = process.cpuUsage(cpu0.bench);
    const latencies = samples.map((x) => x.ms).sort((a, b) => a - b);
    proc.kill('SIGINT');
    await exited;
    const store = await openStore({ dataDir });
    const [{ n }] = await rawSql(store).query('SELECT count() AS n FROM spans');
    await store.close();
    const result = {
      machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`,
      date: new Date().toISOString().slice(0, 10),
      mode: RATE ? `paced ${RATE} spans/s` : `full load, ${SENDERS} senders`,
      cli: values.cli ?? 'this tree',
      ingest_workers: process.env.CAIRN_INGEST_WORKERS ?? 'default',
      ...(values['collector-env'].length ? { collector_env: values['collector-env'] } : {}),
      spans: sent,
      body_mb: Number(mb.toFixed(1)),
      spans_per_request: PER_REQUEST,
      accept_spans_per_s: Math.round(sent / ((tSent - t0) / 1000)),
      // What a user sees: every span counted by GET /api/sessions, from the first request.
      visible_spans_per_s: Math.round(sent / ((tVisible - t0) / 1000)),
      // The same with the clock started when `cairn start` was spawned (startup included).
      visible_spans_per_s_cold: Math.round(sent / ((tVisible - tSpawn) / 1000)),
      startup_ms: Math.round(tUp - tSpawn),
      time_to_visible_ms_p50: Math.round(percentile(toVisible, 50)),
      time_to_visible_ms_p99: Math.round(percentile(toVisible, 99)),
      api_poll_ms: POLL_MS,
      // The internal counter: rows in `spans` (the rollup the API reads may still lag).
      written_spans_per_s: Math.round(sent / ((tDone - t0) / 1000)),
      request_ms_p50: Number(percentile(latencies, 50).toFixed(1)),
      request_ms_p99: Number(percentile(latencies, 99).toFixed(1)),
      request_ms_max: Number(latencies[latencies.length - 1].toFixed(1)),
      ...(RATE ? { latency_excludes_first_s: Number(values.warmup) } : {}),
      server_requests_within_50ms_pct: Number((100 * serverWithin50ms).toFixed(1)),
      // Where the time went, by the server's Server-Timing phases: p99 of each phase over all
      // requests, and the mean split of the slowest 1 % (outside = the client's wait minus the
      // phases: the wire, and the event loop before the request's arrival was stamped).
      phase_ms_p99: phaseP99(samples),
      slowest_1pct_phase_ms: slowestSplit(samples, percentile(latencies, 99)),
      // Paced only: 4 KB write + fdatasync every 20 ms on the store's disk while the requests ran.
      ...(fsyncProbe ? { disk_fsync_probe_ms: fsyncProbe } : {}),
      written_after_last_answer_ms: Math.round(tDone - tSent),
      retries_503: retries,
      // The cairn process's peak resident memory over the whole run (startup included).
      peak_rss_mb: peakRss,
      // CPU seconds from the first request until every span was written, over that wall time:
      // 2.0 would be both cores. The bench process's share includes its idle polling of /metrics.
      cpu_cores_collector: Number((collectorCpu / ((tDone - t0) / 1000)).toFixed(2)),
      cpu_cores_bench: Number(((benchCpu.user + benchCpu.system) / 1e6 / ((tDone - t0) / 1000)).toFixed(2)),
      rows_in_store: Number(n),
      // CPU seconds by thread name from the first request until every span was visible: the
      // split between JS (main, worker) and chDB's threads, which the machine's load does not change.
      cpu_s_by_thread: threadCpu,
    };
    console.log(JSON.stringify(result, null, 2));
    reportResult(result);
    if (Number(n) !== sent) throw new Error(`expected ${sent} rows, found ${n}`);
  } finally {
    if (proc.exitCode === null) proc.kill('SIGKILL');
    if (values['keep-data']) process.stderr.write(`data kept in ${dataDir}\n`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
