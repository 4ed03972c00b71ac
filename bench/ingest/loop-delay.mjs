// Preloaded into the collector process (and its worker threads, which inherit execArgv) by the ingest bench (--node-arg=--import=<this file>):
// how busy and how blocked the main thread's event loop was while it ingested. Written to
// stderr once a second while the loop is busy, so the last line covers the whole run:
// - elu: event-loop utilization (share of wall time the loop was running JS or native calls
//   made from JS, not waiting in epoll) since the process started;
// - delay_ms p50/p99/max: how late a 1 ms timer fired (monitorEventLoopDelay) — a synchronous
//   native call or a long JS task shows here.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { isMainThread, threadId } from 'node:worker_threads';

const h = monitorEventLoopDelay({ resolution: 1 });
h.enable();
const start = performance.eventLoopUtilization();
let last = performance.eventLoopUtilization();
const ms = (ns) => Number((ns / 1e6).toFixed(1));
const timer = setInterval(() => {
  const now = performance.eventLoopUtilization(last);
  last = performance.eventLoopUtilization();
  if (now.utilization < 0.05) return; // idle second: nothing to report
  const all = performance.eventLoopUtilization(start);
  process.stderr.write(
    `loop[${isMainThread ? 'main' : `worker ${threadId}`}]: elu_1s=${now.utilization.toFixed(2)} elu_total=${all.utilization.toFixed(2)} ` +
      `delay_ms p50=${ms(h.percentile(50))} p99=${ms(h.percentile(99))} max=${ms(h.max)} n=${h.count}\n`,
  );
}, 1000);
timer.unref();
