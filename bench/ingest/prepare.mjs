#!/usr/bin/env node
// Micro-benchmark of the ingest worker's per-request work: `prepareRequest` (decode → normalize →
// encode → dedup keys) of the built collector, in this process, on OTLP protobuf bodies built
// like bench/ingest/run.mjs builds them. Reports µs of CPU per span, median of several rounds,
// for comparing variants without the HTTP server, the writer or ClickHouse. Usage:
//   node bench/ingest/prepare.mjs [--requests 20] [--per-request 1000] [--rounds 15]
//   node bench/ingest/prepare.mjs --root /path/to/other/checkout   (its built collector instead)
// To compare two builds, alternate single runs of each (3 or more apiece) and compare medians:
// the machine's load moves the figures by 20 % from one minute to the next. Several --root in
// one run are accepted, but they share one heap, so each build pays part of the other's GC.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildBody } from './bodies.mjs';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '20' },
    'per-request': { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '15' },
    root: { type: 'string', multiple: true },
  },
});
const REQUESTS = Number(values.requests);
const PER_REQUEST = Number(values['per-request']);
const ROUNDS = Number(values.rounds);
const roots = values.root?.length ? values.root.map((r) => resolve(r)) : [fileURLToPath(new URL('../..', import.meta.url))];

/** The first of `paths` (under `root`) that exists: builds before the folder split kept prepare.js at the top. */
async function importFirst(root, paths) {
  for (const p of paths) if (existsSync(resolve(root, p))) return import(pathToFileURL(resolve(root, p)).href);
  throw new Error(`${root}: none of ${paths.join(', ')} is built`);
}

const builds = [];
for (const root of roots) {
  const { prepareRequest } = await importFirst(root, ['collector/dist/pipeline/prepare.js', 'collector/dist/prepare.js']);
  const { DEFAULT_PRICE_BOOK } = await import(pathToFileURL(resolve(root, 'schemas/dist/index.js')).href);
  builds.push({ root, prepareRequest, book: DEFAULT_PRICE_BOOK, samples: [] });
}

// As the ingest worker receives them: postMessage delivers a Buffer as a plain Uint8Array.
const bodies = Array.from({ length: REQUESTS }, (_, i) => new Uint8Array(buildBody(i, PER_REQUEST)));
const spans = REQUESTS * PER_REQUEST;

/**
 * One pass over every body; returns µs of CPU per span: user + system time of the whole process,
 * so the garbage collector's helper threads count, as they do against the collector's cores.
 */
function pass(build) {
  let rows = 0;
  const t = process.cpuUsage();
  for (const body of bodies) rows += build.prepareRequest(body, 'protobuf', 'bench-project', build.book).rows;
  const used = process.cpuUsage(t);
  const us = (used.user + used.system) / spans;
  if (rows !== spans) throw new Error(`${build.root}: ${rows} rows for ${spans} spans`);
  return us;
}

// Warm-up: let the JIT settle on every build before timing anything.
for (const b of builds) for (let i = 0; i < 3; i++) pass(b);
for (let round = 0; round < ROUNDS; round++) for (const b of builds) b.samples.push(pass(b));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`prepareRequest, ${REQUESTS} protobuf bodies × ${PER_REQUEST} spans, ${ROUNDS} rounds (node ${process.version})`);
for (const b of builds) {
  const s = [...b.samples].sort((x, y) => x - y);
  console.log(`${b.root}: median ${median(s).toFixed(2)} µs/span (min ${s[0].toFixed(2)}, max ${s[s.length - 1].toFixed(2)})`);
}
