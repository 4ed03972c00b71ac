#!/usr/bin/env node
// Alert latency benchmark (the bar of docs/ARCHITECTURE.md: webhook received within one engine interval + 2 s of the
// spend that crossed it). `cairn start` runs as its own process on a fresh embedded store with
// CAIRN_ALERT_INTERVAL_MS=1000 and the default collector batch window; a webhook receiver listens
// on 127.0.0.1. Each trial creates a $10 budget (threshold 100 %) for a fresh agent, waits a
// random fraction of an interval, then POSTs one OTLP/JSON span costing $10 and measures until
// the signed webhook arrives. `--budgets` idle budgets make the engine do realistic work per tick.
// Build first (`npm run build`), then:
//   node bench/alerts/run.mjs [--trials 20] [--budgets 100] [--interval 1000]
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, reportResult } from '../lib.mjs';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '20' },
    budgets: { type: 'string', default: '100' },
    interval: { type: 'string', default: '1000' },
  },
});
const TRIALS = Number(values.trials);
const IDLE_BUDGETS = Number(values.budgets);
const INTERVAL = Number(values.interval);
const INGEST = 'cairn_ik_' + 'benchalerts'.repeat(3);
const ADMIN = 'cairn_ak_' + 'benchalerts'.repeat(3);
const MAIN = fileURLToPath(new URL('../../cli/dist/main.js', import.meta.url));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const arrivals = new Map(); // agent → { at, ok }
let secret = '';
const receiver = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const at = performance.now();
    const body = Buffer.concat(chunks).toString('utf8');
    const ts = req.headers['x-cairn-timestamp'];
    const ok =
      req.headers['x-cairn-signature'] === 'sha256=' + createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex');
    const event = JSON.parse(body);
    const agent = event.budget?.scope?.agent;
    if (agent && !arrivals.has(agent)) arrivals.set(agent, { at, ok });
    res.end('ok');
  });
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
const hookUrl = `http://127.0.0.1:${receiver.address().port}/hook`;

const dataDir = mkdtempSync(join(tmpdir(), 'cairn-bench-alerts-'));
const otlpPort = await freePort();
const httpPort = await freePort();
const env = {
  ...process.env,
  CAIRN_DATA_DIR: dataDir,
  CAIRN_OTLP_PORT: String(otlpPort),
  CAIRN_OTLP_GRPC_PORT: 'off', // sends over HTTP only; never competes for 4317
  CAIRN_HTTP_PORT: String(httpPort),
  CAIRN_INGEST_KEY: INGEST,
  CAIRN_ADMIN_KEY: ADMIN,
  CAIRN_ALERT_INTERVAL_MS: String(INTERVAL),
  CAIRN_WEBHOOK_ALLOW_PRIVATE: '1',
  CAIRN_LOG_LEVEL: 'warn',
};
const proc = spawn(process.execPath, [MAIN, 'start'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
let out = '';
proc.stdout.on('data', (d) => (out += d));
const apiUrl = `http://127.0.0.1:${httpPort}`;
const call = async (method, path, body) => {
  const res = await fetch(apiUrl + path, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
};

let seq = 0;
async function spend(agent, usd) {
  seq += 1;
  const now = BigInt(Date.now()) * 1_000_000n;
  const s = (key, v) => ({ key, value: { stringValue: v } });
  const span = {
    traceId: seq.toString(16).padStart(32, 'c'),
    spanId: seq.toString(16).padStart(16, 'd'),
    name: 'chat',
    kind: 3,
    startTimeUnixNano: String(now - 1_000_000n),
    endTimeUnixNano: String(now),
    attributes: [
      s('gen_ai.conversation.id', `bench-${agent}`),
      s('gen_ai.agent.name', agent),
      s('gen_ai.operation.name', 'chat'),
      s('gen_ai.request.model', 'gpt-4o-mini'),
      { key: 'cairn.cost.usd', value: { doubleValue: usd } },
    ],
  };
  const res = await fetch(`http://127.0.0.1:${otlpPort}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST}` },
    body: JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [s('service.name', 'bench-alerts')] },
          scopeSpans: [{ scope: { name: 'bench' }, spans: [span] }],
        },
      ],
    }),
  });
  if (res.status !== 200) throw new Error(`OTLP ${res.status}`);
}

const pct = (xs, q) => xs[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)];
try {
  for (let i = 0; i < 300 && !/Cairn is running/.test(out); i++) await sleep(100);
  if (!/Cairn is running/.test(out)) throw new Error('cairn start did not come up:\n' + out);
  secret = (await call('POST', '/api/webhooks', { url: hookUrl, name: 'bench' })).secret;
  for (let i = 0; i < IDLE_BUDGETS; i++) {
    await call('POST', '/api/budgets', {
      name: `idle ${i}`,
      scope: { agent: `idle-${i % 20}`, ...(i % 3 === 0 ? { user: `u${i}` } : {}) },
      period: ['day', 'week', 'month'][i % 3],
      limit_usd: 1000,
    });
  }
  const latencies = [];
  let badSignatures = 0;
  for (let t = 0; t < TRIALS; t++) {
    const agent = `trial-${t}`;
    await call('POST', '/api/budgets', { name: agent, scope: { agent }, period: 'day', limit_usd: 10, thresholds: [100] });
    await sleep(Math.random() * INTERVAL); // land anywhere in the engine's cycle
    const t0 = performance.now();
    await spend(agent, 10);
    while (!arrivals.has(agent)) {
      if (performance.now() - t0 > 30_000) throw new Error(`no webhook for ${agent} after 30 s`);
      await sleep(5);
    }
    const a = arrivals.get(agent);
    if (!a.ok) badSignatures += 1;
    latencies.push(a.at - t0);
  }
  const sorted = [...latencies].sort((x, y) => x - y);
  const bar = INTERVAL + 2000;
  const result = {
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
    date: new Date().toISOString(),
    trials: TRIALS,
    idle_budgets: IDLE_BUDGETS,
    interval_ms: INTERVAL,
    latency_ms: {
      min: Math.round(sorted[0]),
      median: Math.round(pct(sorted, 0.5)),
      p95: Math.round(pct(sorted, 0.95)),
      max: Math.round(sorted[sorted.length - 1]),
    },
    bar_ms: bar,
    within_bar: sorted.filter((x) => x <= bar).length,
    bad_signatures: badSignatures,
  };
  console.log(JSON.stringify(result, null, 2));
  reportResult(result);
} finally {
  proc.kill('SIGINT');
  for (let i = 0; i < 100 && proc.exitCode === null; i++) await sleep(100);
  if (proc.exitCode === null) proc.kill('SIGKILL');
  receiver.close();
  rmSync(dataDir, { recursive: true, force: true });
}
