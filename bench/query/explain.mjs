#!/usr/bin/env node
// What each bench/query request costs ClickHouse, in quantities the machine's load does not
// change: the SQL the API sends (captured on the store's read client), and for each statement
// rows and bytes read, parts / granules (marks) selected, and `EXPLAIN indexes = 1`. chDB keeps
// no system.query_log, so the figures come from the process-wide
// ProfileEvents in system.events, read before and after each statement run alone.
// Usage (after `npm run build` and a corpus built by run.mjs --dir PATH):
//   node bench/query/explain.mjs --dir PATH [--only replay] [--explain] [--pipeline] [--json out.json]
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openStore } from '../../storage/dist/index.js';
import { buildApp } from '../../ingest-api/dist/index.js';
import { benchCases, replayPageCases } from './cases.mjs';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    only: { type: 'string' },
    explain: { type: 'boolean', default: false },
    pipeline: { type: 'boolean', default: false },
    json: { type: 'string' },
    'big-steps': { type: 'string', default: '10000' },
  },
});
if (!values.dir) throw new Error('--dir PATH (a corpus built by bench/query/run.mjs --dir PATH)');
const EVENTS = [
  'SelectedParts',
  'SelectedRanges',
  'SelectedMarks',
  'SelectedRows',
  'SelectedBytes',
  'UserTimeMicroseconds',
  'OSCPUVirtualTimeMicroseconds',
];

const store = await openStore({ dataDir: values.dir });
const key = readFileSync(join(values.dir, '.bench-key'), 'utf8');
const read = store.read;
const captured = [];
const original = read.query.bind(read);
read.query = (params) => {
  captured.push({ query: params.query, query_params: params.query_params });
  return original(params);
};
// Large answers read as raw bytes (storage's queryBytes: the replay's steps) go through exec.
const originalExec = read.exec.bind(read);
read.exec = (params) => {
  captured.push({ query: params.query, query_params: params.query_params });
  return originalExec(params);
};

async function events() {
  const rs = await original({
    query: `SELECT name, value FROM system.events WHERE name IN {n:Array(String)}`,
    query_params: { n: EVENTS },
    format: 'JSONEachRow',
  });
  const rows = await rs.json();
  return Object.fromEntries(EVENTS.map((n) => [n, Number(rows.find((r) => r.name === n)?.value ?? 0)]));
}

async function text(sql, params) {
  const rs = await original({ query: sql, query_params: params, format: 'TabSeparatedRaw' });
  return (await rs.text()).trimEnd();
}

/** One statement alone: what it read. */
async function cost(q) {
  const before = await events();
  const t = process.hrtime.bigint();
  const res = await originalExec({ query: q.query, query_params: q.query_params });
  res.stream.destroy();
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  const after = await events();
  // chDB's own summary counts result rows, not rows read: the ProfileEvents are the read side.
  const out = { ms };
  for (const n of EVENTS) out[n] = after[n] - before[n];
  return { ...out, read_rows: out.SelectedRows, read_bytes: out.SelectedBytes };
}

const app = await buildApp(
  {
    host: '127.0.0.1',
    httpPort: 0,
    alertIntervalMs: 600_000,
    webhookAllowPrivate: false,
    maxBodyBytes: 1 << 20,
    logLevel: 'warn',
    storageMode: 'embedded',
  },
  { store },
);
await app.ready();
const cases = [...benchCases(Date.now(), Number(values['big-steps'])), ...replayPageCases()].filter(
  ([label]) => !values.only || label.includes(values.only),
);
const report = [];
const oneLine = (s) => s.replace(/\s+/g, ' ').trim();
for (const [label, path] of cases) {
  const get = () => app.inject({ method: 'GET', url: path, headers: { authorization: `Bearer ${key}` } });
  await get(); // warm: marks and primary index in cache, as in run.mjs's warm-up
  captured.length = 0;
  const res = await get();
  if (res.statusCode !== 200) throw new Error(`${label}: ${res.statusCode} ${res.body.slice(0, 300)}`);
  const statements = [...captured];
  const rows = [];
  for (const q of statements) rows.push({ sql: oneLine(q.query), params: q.query_params, ...(await cost(q)) });
  const total = rows.reduce(
    (a, r) => ({
      read_rows: a.read_rows + r.read_rows,
      read_bytes: a.read_bytes + r.read_bytes,
      marks: a.marks + r.SelectedMarks,
    }),
    { read_rows: 0, read_bytes: 0, marks: 0 },
  );
  console.log(
    `\n== ${label} — ${statements.length} statements, read_rows ${total.read_rows.toLocaleString('en')}, read_bytes ${(total.read_bytes / 1e6).toFixed(2)} MB, marks ${total.marks}, answer ${(res.body.length / 1024).toFixed(0)} kB`,
  );
  for (const r of rows) {
    console.log(
      `  rows ${r.read_rows.toLocaleString('en').padStart(10)}  bytes ${(r.read_bytes / 1e6).toFixed(2).padStart(7)} MB  parts ${r.SelectedParts}  marks ${r.SelectedMarks}  cpu ${(r.OSCPUVirtualTimeMicroseconds / 1000).toFixed(1)} ms  wall ${r.ms.toFixed(1)} ms  ${r.sql.slice(0, 160)}`,
    );
    if (values.explain) {
      r.explain = await text(`EXPLAIN indexes = 1 ${statementOf(r.sql)}`, r.params);
      console.log(indent(r.explain));
    }
    if (values.pipeline) {
      r.pipeline = await text(`EXPLAIN PIPELINE ${statementOf(r.sql)}`, r.params);
      console.log(indent(r.pipeline));
    }
  }
  report.push({ label, path, total, statements: rows });
}
if (values.json) writeFileSync(values.json, JSON.stringify(report, null, 2));
await app.close();
await store.close();

/** The statement without a trailing FORMAT clause (EXPLAIN takes the query alone). */
function statementOf(sql) {
  return sql.replace(/\s+FORMAT\s+\w+\s*$/i, '');
}
function indent(s) {
  return s
    .split('\n')
    .map((l) => '      ' + l)
    .join('\n');
}
