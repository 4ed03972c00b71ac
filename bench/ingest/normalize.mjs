#!/usr/bin/env node
// Micro-benchmark of the normalizer alone: `normalizeSpans` (decoded OTLP spans → SpanRow objects,
// ancestor inheritance included) of the built collector, on the bodies bench/ingest/run.mjs sends,
// decoded once up front. Reports µs of CPU per span (median of the rounds) and the bytes allocated
// per span (heap growth with the GC kept out of the pass, a figure the machine's load does not move).
//   node --expose-gc bench/ingest/normalize.mjs [--requests 10] [--per-request 1000] [--rounds 15]
//   node --expose-gc bench/ingest/normalize.mjs --root /path/to/other/checkout
// To compare two builds, alternate single runs of each in the same minutes and compare medians.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildBody } from './bodies.mjs';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '10' },
    'per-request': { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '15' },
    root: { type: 'string' },
  },
});
const REQUESTS = Number(values.requests);
const PER_REQUEST = Number(values['per-request']);
const ROUNDS = Number(values.rounds);
const root = values.root ? resolve(values.root) : fileURLToPath(new URL('../..', import.meta.url));

/** The first of `paths` (under `root`) that exists: builds before the folder split kept these files at the top. */
async function importFirst(paths) {
  for (const p of paths) if (existsSync(resolve(root, p))) return import(pathToFileURL(resolve(root, p)).href);
  throw new Error(`${root}: none of ${paths.join(', ')} is built`);
}
const { normalizeSpans } = await importFirst([
  'collector/dist/normalize/normalize-batch.js',
  'collector/dist/normalize-batch.js',
]);
const { decodeTraceRequestProto } = await importFirst(['collector/dist/otlp/otlp-proto.js', 'collector/dist/otlp-proto.js']);
const { DEFAULT_PRICE_BOOK } = await import(pathToFileURL(resolve(root, 'schemas/dist/index.js')).href);

const decoded = Array.from({ length: REQUESTS }, (_, i) => decodeTraceRequestProto(new Uint8Array(buildBody(i, PER_REQUEST))));
const spans = REQUESTS * PER_REQUEST;
const ctx = { projectId: 'bench-project', priceBook: DEFAULT_PRICE_BOOK };

function pass() {
  let rows = 0;
  const t = process.cpuUsage();
  for (const req of decoded) rows += normalizeSpans(req, ctx).rows.length;
  const used = process.cpuUsage(t);
  if (rows !== spans) throw new Error(`${rows} rows for ${spans} spans`);
  return (used.user + used.system) / spans;
}

/** Bytes allocated per span by one request's normalization (no GC can run inside one call this small). */
function allocated() {
  const gc = globalThis.gc;
  if (gc === undefined) return undefined;
  const samples = [];
  for (const req of decoded) {
    gc();
    const before = process.memoryUsage().heapUsed;
    const out = normalizeSpans(req, ctx);
    samples.push((process.memoryUsage().heapUsed - before) / req.length);
    if (out.rows.length === 0) throw new Error('no rows');
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)];
}

for (let i = 0; i < 3; i++) pass();
const samples = [];
for (let r = 0; r < ROUNDS; r++) samples.push(pass());
samples.sort((a, b) => a - b);
const bytes = allocated();
console.log(
  `${root}: normalizeSpans median ${samples[Math.floor(ROUNDS / 2)].toFixed(3)} µs/span (min ${samples[0].toFixed(3)}, max ${samples[ROUNDS - 1].toFixed(3)})` +
    (bytes === undefined ? '' : `, ${bytes.toFixed(0)} bytes allocated/span`),
);
