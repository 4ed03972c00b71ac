// A same-run baseline for request latency: the disk's own fsync latency while the collector runs.
// A worker thread (its own event loop, so the bench's work cannot delay it) overwrites 4 KB of a
// file beside the store and fdatasyncs it every 20 ms. Every acknowledgement waits for a spool
// fdatasync on that same disk, so a request cannot be faster than this probe's stalls; the bench
// reports both, and a request p99 next to a probe max of the same size is the disk, not Cairn.
import { Worker } from 'node:worker_threads';

const PROBE = `
const { parentPort, workerData } = require('node:worker_threads');
const { open } = require('node:fs/promises');
const { performance } = require('node:perf_hooks');
let stop = false;
parentPort.on('message', () => (stop = true));
(async () => {
  const h = await open(workerData.file, 'w');
  const buf = Buffer.alloc(4096, 1);
  const ms = [];
  while (!stop) {
    const t = performance.now();
    await h.write(buf, 0, buf.length, 0);
    await h.datasync();
    ms.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 20));
  }
  await h.close();
  parentPort.postMessage(ms);
})();`;

/** Starts the probe writing `file`; `stop()` resolves with its fdatasync latencies in ms (p50, p99, max, n). */
export function startFsyncProbe(file) {
  const worker = new Worker(PROBE, { eval: true, workerData: { file } });
  // Listened to from the start: an unhandled worker error would end the bench process.
  const done = new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  done.catch(() => undefined);
  return {
    async stop() {
      worker.postMessage('stop');
      const ms = (await done).sort((a, b) => a - b);
      await worker.terminate();
      const at = (p) => ms[Math.min(ms.length - 1, Math.floor((p / 100) * ms.length))] ?? 0;
      const round = (x) => Number(x.toFixed(1));
      return { p50: round(at(50)), p99: round(at(99)), max: round(ms[ms.length - 1] ?? 0), n: ms.length };
    },
  };
}
