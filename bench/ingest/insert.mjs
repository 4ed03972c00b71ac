#!/usr/bin/env node
// Micro-benchmark of the store's half of ingest: the spans' insert into embedded chDB alone —
// parse, the `spans` part, the two rollup materialized views — on the bench's GenAI spans
// (bench/ingest/bodies.mjs requests, decoded and normalized by the built collector), batched as
// the batch writer batches them (whole requests up to --batch rows, each insert with its own
// dedup token). No HTTP, no decode: what is left is the encode and chDB's cost per span.
// Each round inserts every batch once per format into emptied tables, formats alternating, so
// the formats share the machine's load; the figures are medians over the rounds:
// - encode_us_per_span: JS encode of the rows (JSONCompactEachRow lines vs RowBinary);
// - cpu_ms_per_1k: CPU of this process (all threads: chDB's parsers, views, part writes) while
//   the inserts ran, per 1,000 spans — load-independent enough to compare formats;
// - chdb_query_cpu_ms_per_1k: the CPU ClickHouse itself counted for its query threads (parse,
//   views, part writes; not V8's threads), from system.events;
// - wall_ms_per_1k: the inserts' wall time (the load moves it).
// Usage:
//   node bench/ingest/insert.mjs [--requests 100] [--per-request 1000] [--batch 20000] [--rounds 5]
//     [--format json --format binary] [--no-views | --drop-view NAME …]
// --no-views drops every materialized view on the store before measuring; --drop-view one of them
// (e.g. session_titles_mv), to price a view by the difference.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { buildBody } from './bodies.mjs';
import { decodeTraceRequestProto } from '../../collector/dist/otlp/otlp-proto.js';
import { normalizeSpans } from '../../collector/dist/normalize/normalize-batch.js';
import { DEFAULT_PRICE_BOOK, SPAN_COLUMNS } from '../../schemas/dist/index.js';
import { encodeSpanLines, encodeSpanRowsBinary, openStore, SPAN_INSERT_SETTINGS } from '../../storage/dist/index.js';
import { rawSql } from '../../storage/dist/testing.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '100' },
    'per-request': { type: 'string', default: '1000' },
    batch: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '5' },
    format: { type: 'string', multiple: true, default: ['json', 'binary'] },
    'no-views': { type: 'boolean', default: false },
    'drop-view': { type: 'string', multiple: true, default: [] },
  },
});
const REQUESTS = Number(values.requests);
const PER_REQUEST = Number(values['per-request']);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

process.stderr.write(`decoding and normalizing ${REQUESTS} requests of ${PER_REQUEST} spans…\n`);
const template = Array.from({ length: Math.min(REQUESTS, 20) }, (_, i) => buildBody(i, PER_REQUEST));
const requests = [];
for (let i = 0; i < REQUESTS; i++) {
  // Distinct sessions per request, as the full bench sends (same-length ids keep the framing).
  const raw = Buffer.from(template[i % template.length]);
  const from = `bench-${i % template.length}-`;
  const to = `b${String(i).padStart(from.length - 2, '0')}-`;
  let at = 0;
  while ((at = raw.indexOf(from, at)) >= 0) at += raw.write(to, at);
  requests.push(
    normalizeSpans(decodeTraceRequestProto(new Uint8Array(raw)), { projectId: 'default', priceBook: DEFAULT_PRICE_BOOK }).rows,
  );
}
const spans = requests.reduce((a, r) => a + r.length, 0);

/**
 * RowBinary inserts, an experiment kept here and not in @cairn/storage: chDB 3.4's public
 * `rawInsert` refuses binary formats, so this calls the native entry it wraps,
 * `InsertRawAsyncConnection`, on a chDB session of its own at the same data directory. It
 * parses correctly most of the time, but now and then chDB stops early in a large body
 * ("Cannot read all data … (at row N)", N varying from run to run) — see BENCHMARKS.md. A
 * failed insert is retried (counted in binary_insert_failures) so the CPU figures stay comparable.
 */
function openBinaryInsert(dir) {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('chdb'));
  const native = require(resolve(root, 'dist/loader.js')).loadNative();
  const { Session } = require(root);
  const session = new Session(dir);
  const settings = Object.entries(SPAN_INSERT_SETTINGS).map(([k, v]) => `${k}='${v}'`);
  return {
    insert: (body, token) =>
      native.InsertRawAsyncConnection(
        session.connection,
        `INSERT INTO spans (${SPAN_COLUMNS.join(', ')}) SETTINGS ${settings.join(', ')}, insert_deduplicate=1, ` +
          `insert_deduplication_token='${token}', deduplicate_blocks_in_dependent_materialized_views=1 FORMAT RowBinary`,
        body,
        false,
      ),
    close: () => session.close(),
  };
}
let binary;
let binaryFailures = 0;

const ENCODERS = {
  json: { encode: (rows) => encodeSpanLines(rows), insert: (store, body, t) => store.insertSpanLines(body, { dedupToken: t }) },
  binary: {
    encode: (rows) => encodeSpanRowsBinary(rows).body,
    insert: async (store, body, t) => {
      for (;;) {
        try {
          return await binary.insert(body, t);
        } catch (err) {
          if (++binaryFailures > 20) throw err;
          process.stderr.write(`binary insert failed, retried: ${String(err.message).split('\n')[0]}\n`);
        }
      }
    },
  },
};
const formats = values.format.map((f) => {
  if (!ENCODERS[f]) throw new Error(`--format json|binary, not ${f}`);
  return f;
});

/** Per-request bodies (timed: the encode a worker pays), then batches as the writer makes them. */
function encodeAll(format) {
  const t = performance.now();
  const bodies = requests.map((rows) => ENCODERS[format].encode(rows));
  const us = ((performance.now() - t) * 1000) / spans;
  const batches = [];
  for (let i = 0; i < bodies.length;) {
    const parts = [];
    let rows = 0;
    while (i < bodies.length && (rows === 0 || rows + requests[i].length <= Number(values.batch))) {
      parts.push(bodies[i]);
      rows += requests[i++].length;
    }
    batches.push(Buffer.concat(parts));
  }
  return { us, batches, bytes: bodies.reduce((a, b) => a + b.length, 0) / spans };
}

/** CPU µs ClickHouse counted for its query threads (the inserts and their views), from system.events. */
async function queryThreadsCpu() {
  const rows = await rawSql(store).query(
    "SELECT sum(value) AS us FROM system.events WHERE event IN ('UserTimeMicroseconds', 'SystemTimeMicroseconds')",
  );
  return Number(rows[0].us);
}

const dataDir = mkdtempSync(join(tmpdir(), 'cairn-bench-insert-'));
const store = await openStore({ dataDir });
binary = openBinaryInsert(dataDir);
const results = Object.fromEntries(formats.map((f) => [f, { encode: [], cpu: [], chdb: [], wall: [], bytes: 0 }]));
try {
  // Every view on `spans` and the table it writes, read from the schema so a new view is counted.
  const views = (
    await rawSql(store).query(
      "SELECT name, create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND engine = 'MaterializedView'",
    )
  ).map((v) => ({ name: v.name, target: / TO (?:\w+\.)?(\w+)/.exec(v.q)?.[1] }));
  const dropped = values['no-views'] ? views.map((v) => v.name) : values['drop-view'];
  for (const name of dropped) await rawSql(store).command(`DROP VIEW IF EXISTS ${name}`);
  process.stderr.write(`views: ${views.map((v) => `${v.name}${dropped.includes(v.name) ? ' (dropped)' : ''}`).join(', ')}\n`);
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const f of round % 2 ? [...formats].reverse() : formats) {
      const { us, batches, bytes } = encodeAll(f);
      for (const t of ['spans', ...views.map((v) => v.target).filter(Boolean)])
        await rawSql(store).command(`TRUNCATE TABLE ${t}`);
      const e0 = await queryThreadsCpu();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (const b of batches) await ENCODERS[f].insert(store, b, randomUUID());
      const wall = performance.now() - t0;
      const cpu = process.cpuUsage(c0);
      const chdbCpu = (await queryThreadsCpu()) - e0;
      const [{ n }] = await rawSql(store).query('SELECT count() AS n FROM spans');
      if (Number(n) !== spans) throw new Error(`${f}: ${n} rows in spans, expected ${spans}`);
      const r = results[f];
      r.encode.push(us);
      r.cpu.push(((cpu.user + cpu.system) / 1000 / spans) * 1000);
      r.wall.push((wall / spans) * 1000);
      r.chdb.push((chdbCpu / 1000 / spans) * 1000);
      r.bytes = bytes;
    }
  }
  const out = {
    spans,
    batch_rows: Number(values.batch),
    views: !values['no-views'],
    rounds: Number(values.rounds),
    binary_insert_failures: binaryFailures,
  };
  for (const [f, r] of Object.entries(results)) {
    out[f] = {
      body_bytes_per_span: Math.round(r.bytes),
      encode_us_per_span: Number(median(r.encode).toFixed(2)),
      insert_cpu_ms_per_1k: Number(median(r.cpu).toFixed(1)),
      chdb_query_cpu_ms_per_1k: Number(median(r.chdb).toFixed(1)),
      insert_wall_ms_per_1k: Number(median(r.wall).toFixed(1)),
      insert_cpu_ms_per_1k_rounds: r.cpu.map((x) => Number(x.toFixed(1))),
    };
  }
  console.log(JSON.stringify(out, null, 2));
} finally {
  binary.close();
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
}
