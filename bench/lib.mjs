// What the benchmarks share: the machine line, percentiles, a free port, and the machine-readable
// result that `npm run bench` (bench/run-all.mjs) collects from each script it runs.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';

export const machine = () => `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, Node ${process.versions.node}`;
export const load1 = () => Number(loadavg()[0].toFixed(1));
export const median = (xs) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );

/** The p-th percentile of an ascending array (nearest rank). */
export const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/**
 * A port free on 127.0.0.1 right now, for a `cairn start` child process. Another process may take
 * it before the child listens; the child then stops with CAIRN_PORT_IN_USE instead of measuring
 * someone else's server.
 */
export const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });

/**
 * Writes a script's result where run-all asked for it (BENCH_RESULT_FILE); a script run by hand
 * just prints as before.
 */
export function reportResult(result) {
  const file = process.env.BENCH_RESULT_FILE;
  if (file) writeFileSync(file, JSON.stringify(result));
}

/**
 * The same-run baseline: a fixed CPU workload (SHA-256 and a JSON round trip of a fixed object)
 * timed on this machine right now. Figures from different days compare through their ratio to
 * it, since the shared machines run anywhere from idle to several times oversubscribed.
 */
export function calibrate() {
  const buf = Buffer.alloc(64 << 20, 7);
  let t = performance.now();
  for (let i = 0; i < 4; i++) createHash('sha256').update(buf).digest();
  const shaMBps = (4 * 64) / ((performance.now() - t) / 1000);
  const obj = Array.from({ length: 20_000 }, (_, i) => ({ id: i, name: `span-${i}`, attrs: { a: i * 1.5, b: 'x'.repeat(40) } }));
  const bytes = JSON.stringify(obj).length;
  t = performance.now();
  for (let i = 0; i < 10; i++) JSON.parse(JSON.stringify(obj));
  const jsonMBps = (10 * bytes) / 1e6 / ((performance.now() - t) / 1000);
  return { sha256_mb_per_s: Math.round(shaMBps), json_roundtrip_mb_per_s: Math.round(jsonMBps), load1: load1() };
}
