#!/usr/bin/env node
// Interleaved A/B of SQL statements on a bench corpus: each round runs every variant once, in
// turn, so A and B share the same minutes of a noisy machine; prints per variant the median of N
// rounds of ClickHouse CPU (OSCPUVirtualTimeMicroseconds), rows / bytes / marks selected (the
// ProfileEvents of system.events, less the cost of reading them) and wall time.
// Usage: node bench/query/ab-sql.mjs DIR VARIANTS.mjs [N=7]
//   VARIANTS.mjs default-exports [[label, sql, params, format?], …]; explain.mjs --json gives the
//   SQL and params each request sends.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { migrate, openConnections } from '../../storage/dist/index.js';
const dir = process.argv[2];
const file = process.argv[3];
const N = Number(process.argv[4] ?? 7);
const variants = (await import(pathToFileURL(resolve(file)).href)).default;
// The corpus's connections as openStore opens them (same client settings), not a store: a variant
// runs as a statement of the API does and may ask for any output format, which rawSql (rows as
// JSONEachRow, parsed) would not allow. Migrated as openStore would, for a corpus of an older build.
const conn = await openConnections({ dataDir: dir });
await migrate(conn.write);
const read = conn.read;
const EV = ['OSCPUVirtualTimeMicroseconds', 'SelectedRows', 'SelectedBytes', 'SelectedMarks'];
async function ev() {
  const rs = await read.query({
    query: `SELECT name, value FROM system.events WHERE name IN {n:Array(String)}`,
    query_params: { n: EV },
    format: 'JSONEachRow',
  });
  const r = await rs.json();
  return Object.fromEntries(EV.map((n) => [n, Number(r.find((x) => x.name === n)?.value ?? 0)]));
}
const med = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// baseline: events query alone
const base = [];
for (let i = 0; i < N; i++) {
  const a = await ev();
  const b = await ev();
  base.push(EV.map((n) => b[n] - a[n]));
}
const b0 = EV.map((_, j) => med(base.map((x) => x[j])));
const res = variants.map(() => []);
const outb = variants.map(() => 0);
for (let i = 0; i < N + 1; i++)
  for (const [vi, [, sql, params, format]] of variants.entries()) {
    const a = await ev();
    const t = performance.now();
    const rs = await read.query({ query: sql, query_params: params, format: format ?? 'JSONCompact' });
    const txt = await rs.text();
    outb[vi] = txt.length;
    const ms = performance.now() - t;
    const b = await ev();
    if (i > 0) res[vi].push([...EV.map((n, j) => b[n] - a[n] - b0[j]), ms]);
  }
for (const [vi, [label]] of variants.entries()) {
  const m = res[vi][0].map((_, j) => med(res[vi].map((x) => x[j])));
  console.log(
    `${label.padEnd(40)} cpu ${(m[0] / 1000).toFixed(1)} ms  rows ${m[1]}  bytes ${(m[2] / 1e6).toFixed(2)}MB  marks ${m[3]}  wall ${m[4].toFixed(1)} ms  out ${(outb[vi] / 1e6).toFixed(2)}MB`,
  );
}
await conn.close();
