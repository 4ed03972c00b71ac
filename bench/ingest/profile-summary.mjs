#!/usr/bin/env node
// Summarizes V8 CPU profiles (from `node bench/ingest/run.mjs --profile DIR`): self time by
// ingest stage (decode, normalize, encode, dedup, chDB calls, HTTP, GC, …) as a share of the
// non-idle samples — node's own functions counted in the stage that called them — plus the top
// functions. Shares are what the machine's load does not change.
//   node bench/ingest/profile-summary.mjs DIR|FILE… [--top 25]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });

/** Stage of a frame, by the file it comes from (first match wins). */
const STAGES = [
  ['idle', (f) => f === '(idle)' || f === '(program)'],
  ['gc', (f) => f === '(garbage collector)'],
  ['decode', (f, u) => /otlp-(proto|json|common)|decoded\.js|payload\.js/.test(u)],
  ['normalize', (f, u) => /normalize|cost\.js|span-kind|attr-values|conventions|provider\.js|messages\.js|limits\.js/.test(u)],
  ['encode', (f, u) => /encode(-binary)?\.js|span-row\.js/.test(u) || /^(encodeSpanRow|writeSpanRowBinary|spanRowRoom)$/.test(f)],
  ['dedup', (f, u) => /dedup\.js/.test(u)],
  ['writer/spool', (f, u) => /writer\.js|spool|ingest-pipeline|ingest-pool|ingest-worker|prepare\.js/.test(u)],
  ['chdb (js + native call)', (f, u) => /chdb|clickhouse/.test(u)],
  ['http/fastify/zlib', (f, u) => /fastify|node:http|_http|node:zlib|zlib|light-my-request|find-my-way|avvio|pino/.test(u)],
  ['api (sessions query)', (f, u) => /ingest-api|storage\/dist/.test(u)],
  ['node internals', (f, u) => u.startsWith('node:') || u === ''],
  ['other', () => true],
];

function ownStage(node) {
  const f = node.callFrame.functionName;
  const u = node.callFrame.url;
  for (const [name, test] of STAGES) if (test(f, u)) return name;
  return 'other';
}

/**
 * A frame's stage; node's own functions (Buffer copies, string decoding, hashing) and
 * anonymous frames are charged to the nearest caller that has a stage of its own.
 */
function stageOf(node, parentOf) {
  let n = node;
  for (;;) {
    const s = ownStage(n);
    if (s !== 'node internals' && s !== 'other') return s;
    const p = parentOf.get(n.id);
    if (!p) return ownStage(node);
    n = p;
  }
}

function summarize(file) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parentOf = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parentOf.set(c, n);
  const self = new Map();
  for (let i = 0; i < prof.samples.length; i++) {
    const dt = prof.timeDeltas[i + 1] ?? 0;
    self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + dt);
  }
  const stages = new Map();
  const fns = new Map();
  let busy = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const n = byId.get(id);
    const stage = stageOf(n, parentOf);
    if (stage === 'idle') {
      idle += us;
      continue;
    }
    busy += us;
    stages.set(stage, (stages.get(stage) ?? 0) + us);
    const key = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/^.*\/(node_modules|src|dist)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
  }
  const pct = (us) => ((100 * us) / busy).toFixed(1).padStart(5) + '%';
  console.log(`\n${file}\n  busy ${(busy / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s`);
  for (const [s, us] of [...stages].sort((a, b) => b[1] - a[1])) console.log(`  ${pct(us)}  ${s}`);
  console.log('  top functions (self):');
  for (const [k, us] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) console.log(`  ${pct(us)}  ${k}`);
}

for (const p of positionals) {
  const files = statSync(p).isDirectory()
    ? readdirSync(p)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => join(p, f))
    : [p];
  for (const f of files) summarize(f);
}
