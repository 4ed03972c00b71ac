#!/usr/bin/env node
// Query benchmark (bars: docs/ARCHITECTURE.md, "Bars and how they are measured"): builds a corpus of sessions straight into an embedded store with
// store.insertSpans in large batches, plus one multi-agent session of 10,000 steps, then serves
// the API (buildApp, real HTTP on 127.0.0.1) and measures first-page latencies with fetch.
// Usage (after `npm run build`, or tsc -p schemas, storage and ingest-api):
//   node bench/query/run.mjs [--sessions 100000] [--spans-per-session 100] [--big-steps 10000]
//                            [--runs 30] [--dir PATH] [--reuse] [--write-md]
// --dir + --reuse measure an existing corpus again without regenerating it.
import { rawSql } from '../../storage/dist/testing.js';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { createKey, ensureProject, openStore } from '../../storage/dist/index.js';
import { buildApp } from '../../ingest-api/dist/index.js';
import { reportResult } from '../lib.mjs';
import { benchCases, BIG_ID, PROJECT } from './cases.mjs';

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '100000' },
    'spans-per-session': { type: 'string', default: '100' },
    'big-steps': { type: 'string', default: '10000' },
    runs: { type: 'string', default: '30' },
    dir: { type: 'string' },
    reuse: { type: 'boolean', default: false },
    'write-md': { type: 'boolean', default: false },
  },
});
const SESSIONS = Number(values.sessions);
const PER_SESSION = Number(values['spans-per-session']);
const BIG_STEPS = Number(values['big-steps']);
const RUNS = Number(values.runs);
const AGENTS = ['planner', 'researcher', 'coder', 'reviewer', 'support-bot', 'triager', 'writer', 'analyst'];
const MODELS = ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4', 'gemini-2.5-pro'];
const TOOLS = ['search', 'fetch', 'sql', 'python', 'email'];
const NOW_MS = Date.now();
const DAY = 86_400_000;

let seed = 12345;
const rnd = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
const hex = (n, len) => n.toString(16).padStart(len, '0');
const PROMPT = JSON.stringify([
  { role: 'user', parts: [{ type: 'text', content: 'Summarise the ticket and propose the next action for the customer.' }] },
]);
const ANSWER = JSON.stringify([
  {
    role: 'assistant',
    parts: [{ type: 'text', content: 'The customer asks for a refund of invoice 42; next: verify payment.' }],
  },
]);

function row(o) {
  return {
    project_id: PROJECT,
    trace_id: o.trace,
    session_id: o.session,
    span_id: o.span,
    parent_span_id: o.parent ?? '',
    name: o.name,
    kind: o.kind,
    agent_name: o.agent,
    workflow: o.workflow,
    user_id: o.user,
    service_name: 'bench',
    autonomy_level: '',
    start_time_ns: BigInt(o.start) * 1_000_000n,
    end_time_ns: BigInt(o.end) * 1_000_000n,
    status: o.error ? 'error' : 'ok',
    status_message: o.error ? 'tool failed' : '',
    model: o.model ?? '',
    provider: '',
    input_tokens: o.tin ?? 0,
    output_tokens: o.tout ?? 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    cost_usd: o.cost ?? 0,
    cost_source: o.cost ? 'computed' : 'none',
    confidence: o.confidence ?? null,
    tool_name: o.tool ?? '',
    tool_call_key: '',
    input: o.input ?? '',
    output: o.output ?? '',
    state: o.state ?? '',
    has_escalation: o.kind === 'escalation',
    has_limit_hit: false,
    attributes: '{}',
    resource_attributes: '{}',
    events: '[]',
  };
}

/** One session: a root span, then steps under a few agents; about PER_SESSION spans on average. */
function sessionRows(i, steps) {
  const session = `s-${hex(i, 7)}-${hex(Math.floor(rnd() * 0xffff), 4)}`;
  const trace = hex(i + 1, 16) + 'b'.repeat(16);
  const start = NOW_MS - Math.floor(rnd() * 30 * DAY);
  const agent = pick(AGENTS);
  const workflow = `wf-${Math.floor(rnd() * 6)}`;
  const user = `user-${Math.floor(rnd() * 2000)}`;
  const rootId = hex(i * 4096 + 1, 16);
  const out = [];
  let t = start;
  for (let s = 0; s < steps - 1; s++) {
    t += 1 + Math.floor(rnd() * 800);
    const roll = rnd();
    const kind = roll < 0.45 ? 'llm' : roll < 0.8 ? 'tool' : roll < 0.97 ? 'step' : 'escalation';
    const llm = kind === 'llm';
    out.push(
      row({
        trace,
        session,
        span: hex(i * 4096 + 2 + s, 16),
        parent: rootId,
        name: llm ? 'chat' : kind === 'tool' ? 'execute_tool' : kind,
        kind,
        agent: rnd() < 0.3 ? pick(AGENTS) : agent,
        workflow,
        user,
        start: t,
        end: t + 1 + Math.floor(rnd() * 3000),
        error: kind === 'tool' && rnd() < 0.02,
        model: llm ? pick(MODELS) : '',
        tin: llm ? Math.floor(rnd() * 4000) : 0,
        tout: llm ? Math.floor(rnd() * 800) : 0,
        cost: llm ? Math.floor(rnd() * 20000) / 1e6 : 0,
        confidence: llm && rnd() < 0.3 ? Math.round(rnd() * 100) / 100 : null,
        tool: kind === 'tool' ? pick(TOOLS) : '',
        input: llm ? PROMPT : kind === 'tool' ? '{"q":"refund policy"}' : '',
        output: llm ? ANSWER : kind === 'tool' ? '{"hits":3}' : '',
        state: rnd() < 0.05 ? `{"step":${s},"plan":["verify","refund"],"done":false}` : '',
      }),
    );
  }
  const end = Math.max(t, ...out.slice(-5).map((r) => Number(r.end_time_ns / 1_000_000n))) + 1;
  const running = rnd() < 0.05;
  if (!running)
    out.unshift(
      row({
        trace,
        session,
        span: rootId,
        name: 'session',
        kind: 'session',
        agent,
        workflow,
        user,
        start,
        end,
        error: rnd() < 0.05,
      }),
    );
  return out;
}

/** The 10,000-step replay: an orchestrator and four sub-agents running in parallel branches. */
function bigSessionRows(steps) {
  const trace = 'c'.repeat(32);
  const start = NOW_MS - 3_600_000;
  const rootId = hex(0xb16000000, 16);
  const subs = ['data-miner', 'analyzer', 'writer', 'critic'].map((agent, k) => ({ agent, id: hex(0xb16000001 + k, 16) }));
  const base = { trace, session: BIG_ID, workflow: 'deep-research', user: 'user-big' };
  const out = [
    row({
      ...base,
      span: rootId,
      name: 'invoke_agent orchestrator',
      kind: 'session',
      agent: 'orchestrator',
      start,
      end: start + 3_000_000,
    }),
  ];
  for (const s of subs)
    out.push(
      row({
        ...base,
        span: s.id,
        parent: rootId,
        name: `invoke_agent ${s.agent}`,
        kind: 'agent',
        agent: s.agent,
        start: start + 10,
        end: start + 2_900_000,
      }),
    );
  for (let n = 0; out.length < steps; n++) {
    const sub = subs[n % subs.length];
    const t = start + 20 + Math.floor(n / subs.length) * 1100 + Math.floor(rnd() * 300);
    const llm = n % 2 === 0;
    out.push(
      row({
        ...base,
        span: hex(0xb17000000 + n, 16),
        parent: sub.id,
        name: llm ? 'chat' : 'execute_tool',
        kind: llm ? 'llm' : 'tool',
        agent: sub.agent,
        start: t,
        end: t + 200 + Math.floor(rnd() * 700),
        model: llm ? 'gpt-4o' : '',
        tin: llm ? 1200 : 0,
        tout: llm ? 300 : 0,
        cost: llm ? 0.004 : 0,
        confidence: llm ? Math.round(rnd() * 100) / 100 : null,
        tool: llm ? '' : pick(TOOLS),
        input: llm ? PROMPT : '{"q":"x"}',
        output: llm ? ANSWER : '{"ok":true}',
        state: n % 50 === 0 ? `{"n":${n},"notes":["a","b"]}` : '',
      }),
    );
  }
  return out;
}

async function generate(store) {
  const BATCH = 200_000;
  let batch = [];
  let spans = 0;
  const t0 = performance.now();
  for (let i = 0; i < SESSIONS; i++) {
    const steps = Math.max(2, Math.round(PER_SESSION * (0.2 + 1.6 * rnd())));
    for (const r of sessionRows(i, steps)) batch.push(r);
    if (batch.length >= BATCH) {
      await store.insertSpans(batch);
      spans += batch.length;
      batch = [];
      const s = (performance.now() - t0) / 1000;
      process.stdout.write(
        `\r  ${i + 1} sessions, ${spans.toLocaleString('en')} spans, ${Math.round(spans / s).toLocaleString('en')} spans/s   `,
      );
    }
  }
  batch.push(...bigSessionRows(BIG_STEPS));
  await store.insertSpans(batch);
  spans += batch.length;
  const s = (performance.now() - t0) / 1000;
  console.log(`\n  generated ${spans.toLocaleString('en')} spans in ${s.toFixed(0)} s`);
  return `${spans.toLocaleString('en')} spans generated in ${s.toFixed(0)} s (${Math.round(spans / s).toLocaleString('en')} spans/s through insertSpans and both rollup views)`;
}

const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

// The HTTP client runs in a worker thread: its event loop (reading and parsing 4 MB answers)
// must not queue behind the server's, as a browser's would not.
const CLIENT = `
const { parentPort } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
parentPort.on('message', async ({ url, key, runs }) => {
  try {
    const times = [];
    let bytes = 0, info = '';
    for (let i = 0; i < runs + 3; i++) {
      const t = performance.now();
      const res = await fetch(url, { headers: { authorization: 'Bearer ' + key } });
      const body = await res.text();
      const ms = performance.now() - t;
      if (res.status !== 200) throw new Error(res.status + ' ' + body.slice(0, 300));
      if (i >= 3) times.push(ms);
      bytes = body.length;
      const j = JSON.parse(body);
      info = j.sessions ? j.sessions.length + ' rows' : j.steps ? j.steps.length + ' steps' : j.series ? j.series.length + ' points' : 'ok';
    }
    parentPort.postMessage({ times, bytes, info });
  } catch (err) {
    parentPort.postMessage({ error: String(err) });
  }
});`;
const client = new Worker(CLIENT, { eval: true });
client.unref();

async function measure(url, key, label) {
  const out = await new Promise((resolve) => {
    client.once('message', resolve);
    client.postMessage({ url, key, runs: RUNS });
  });
  if (out.error) throw new Error(`${label}: ${out.error}`);
  const times = out.times.sort((a, b) => a - b);
  return { label, p50: pct(times, 50), p95: pct(times, 95), max: times[times.length - 1], bytes: out.bytes, info: out.info };
}

/**
 * Waits (at most 5 minutes) until no background merge has run for 3 s: parts the load left are
 * merged right after it (the rollup went from 7 parts to 2), and a query measured meanwhile shares
 * the two cores with that merge (the 10,000-step replay read 176 ms in a run started as the load
 * ended, 110–115 ms a minute later). Measured at rest, as a store that grew to 10M spans over
 * days would be; the wait is reported. Returns the seconds waited.
 */
async function settle(store) {
  const t0 = performance.now();
  let quiet = 0;
  // Six quiet polls in a row (3 s): a merge often starts a moment after the one before ends.
  while (quiet < 6 && performance.now() - t0 < 300_000) {
    const [{ n }] = await rawSql(store).query('SELECT count() AS n FROM system.merges');
    quiet = Number(n) === 0 ? quiet + 1 : 0;
    if (quiet < 6) await new Promise((r) => setTimeout(r, 500));
  }
  return (performance.now() - t0) / 1000;
}

async function main() {
  const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'cairn-bench-query-'));
  mkdirSync(dir, { recursive: true });
  const reuse = values.reuse && existsSync(join(dir, '.bench-key'));
  console.log(`data dir ${dir}${reuse ? ' (reused)' : ''}`);
  const store = await openStore({ dataDir: dir });
  let key;
  if (!reuse) {
    await ensureProject(store, PROJECT, 'Bench');
    key = (await createKey(store, { projectId: PROJECT, kind: 'admin', name: 'bench' })).key;
    writeFileSync(join(dir, '.bench-gen'), await generate(store));
    writeFileSync(join(dir, '.bench-key'), key);
  } else key = readFileSync(join(dir, '.bench-key'), 'utf8');
  const settledS = await settle(store);
  console.log(`waited ${settledS.toFixed(1)} s for background merges to finish`);
  const [counts] = await rawSql(store).query(
    `SELECT (SELECT count() FROM spans WHERE project_id = {p:String}) AS spans,
            (SELECT uniqExact(session_id) FROM sessions_rollup WHERE project_id = {p:String}) AS sessions,
            (SELECT count() FROM sessions_rollup WHERE project_id = {p:String}) AS rollup_rows,
            (SELECT count() FROM system.parts WHERE table = 'sessions_rollup' AND active) AS rollup_parts,
            (SELECT count() FROM system.parts WHERE table = 'spans' AND active) AS span_parts`,
    { p: PROJECT },
  );
  counts.merges_wait_s = Number(settledS.toFixed(1));
  console.log('store:', counts);
  const app = await buildApp(
    {
      host: '127.0.0.1',
      httpPort: 0,
      alertIntervalMs: 10_000,
      webhookAllowPrivate: false,
      maxBodyBytes: 1 << 20,
      logLevel: 'warn',
      storageMode: 'embedded',
    },
    { store },
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${app.server.address().port}`;
  const cases = benchCases(NOW_MS, BIG_STEPS);
  const results = [];
  for (const [label, path] of cases) {
    const r = await measure(base + path, key, label);
    results.push(r);
    console.log(
      `  ${label.padEnd(48)} p50 ${r.p50.toFixed(1)} ms  p95 ${r.p95.toFixed(1)} ms  max ${r.max.toFixed(1)} ms  (${r.info}, ${(r.bytes / 1024).toFixed(0)} kB)`,
    );
  }
  await app.close();
  await store.close();
  const gen = existsSync(join(dir, '.bench-gen')) ? readFileSync(join(dir, '.bench-gen'), 'utf8') : '';
  if (values['write-md']) writeMarkdown(results, counts, gen);
  reportResult({ counts, gen, results });
  if (!values.dir) rmSync(dir, { recursive: true, force: true });
}

function writeMarkdown(results, counts, gen) {
  const file = fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url));
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const lists = results.filter((r) => r.label.startsWith('list:'));
  const replay = results.find((r) => r.label.startsWith('replay:'));
  const date = new Date().toISOString().slice(0, 10);
  const args = process.argv
    .slice(2)
    .filter((a) => a !== '--write-md' && a !== '--reuse')
    .join(' ');
  const lines = [
    '## Query (bench/query)',
    '',
    'Corpus written straight into a fresh embedded store (`store.insertSpans`, 200k-span batches; no',
    'OPTIMIZE), then the API served by `buildApp` on 127.0.0.1 and read with `fetch` and an admin key:',
    `${RUNS} timed requests per row after 3 warm-ups, one at a time, from a client in a worker thread.`,
    'Latency is wall time of the whole HTTP answer (query + JSON + transfer).',
    '',
    `${date} · ${cpus().length} × ${cpu}, Node ${process.versions.node}, 1-min load average ${loadavg()[0].toFixed(1)} at the end (shared machine) ·`,
    `\`node bench/query/run.mjs ${args}\` ·`,
    `${Number(counts.sessions).toLocaleString('en')} sessions, ${Number(counts.spans).toLocaleString('en')} spans (rollup: ${Number(counts.rollup_rows).toLocaleString('en')} rows in ${counts.rollup_parts} parts) ·`,
    `measured once the load's background merges had finished (${counts.merges_wait_s} s after it; \`settle\` in the script)`,
    '',
    '| request | p50 | p95 | max | answer |',
    '|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.label} | ${r.p50.toFixed(1)} ms | ${r.p95.toFixed(1)} ms | ${r.max.toFixed(1)} ms | ${r.info}, ${(r.bytes / 1024).toFixed(0)} kB |`,
    ),
    '',
    `Corpus: ${gen || 'generated earlier by the same script'}.`,
    `Bars: filtered, sorted first page < 100 ms — p50 under it in ${lists.filter((r) => r.p50 < 100).length} of ${lists.length} list rows, p95 in ${lists.filter((r) => r.p95 < 100).length} of ${lists.length};`,
    `10,000-step replay < 150 ms — p50 ${replay ? replay.p50.toFixed(0) : '?'} ms, p95 ${replay ? replay.p95.toFixed(0) : '?'} ms.`,
    'The list runs two queries on the rollup: a ranking that computes only the aggregates its filters and sort',
    "need over every session of the project, then the full summary of the page's sessions.",
    '',
  ];
  const md = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n\n';
  const start = md.indexOf('## Query (bench/query)');
  let next = start >= 0 ? md.indexOf('\n## ', start + 5) : -1;
  const section = lines.join('\n');
  const out =
    start < 0 ? md.trimEnd() + '\n\n' + section : md.slice(0, start) + section + (next >= 0 ? '\n' + md.slice(next + 1) : '');
  writeFileSync(file, out.endsWith('\n') ? out : out + '\n');
  console.log(`wrote ${file}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
