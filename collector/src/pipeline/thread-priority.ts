import { readdirSync, readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/*
 * The ingest path first, on a busy machine. With the embedded store, chDB runs in this process:
 * each insert on one of libuv's pool threads and chDB's own `ThreadPool`, merges on its
 * background threads. On 2 cores those bursts took the CPU from the ingest worker: a request's
 * decode → normalize → encode, ~10 ms alone, stretched to 25–30 ms at p99 while an insert ran,
 * and the requests behind it waited in the worker's queue. Raising the nice value of every other
 * thread of the process lets the event loop and the ingest workers go first when both want a
 * core; when they do not, the store still gets every idle cycle (figures: BENCHMARKS.md, "The
 * paced tail").
 *
 * Linux only (a thread's nice value is per thread there, listed under /proc/self/task);
 * elsewhere this does nothing. Raising a nice value needs no privilege, lowering it does, so it
 * is not undone on stop: the threads keep their value for the life of the process.
 */

/** The kernel id of the calling thread (Linux), or undefined. */
export function currentThreadId(): number | undefined {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return undefined;
  }
}

/** Raises one thread's nice value to `nice` (never lowers it); false if it could not. */
export function raiseThreadNice(tid: number, nice: number): boolean {
  try {
    if (getPriority(tid) < nice) setPriority(tid, nice);
    return true;
  } catch {
    return false; // ended, or not Linux
  }
}

export interface ThreadYield {
  stop(): void;
}

/**
 * Sets `nice` on every thread of the process but `keep()`'s, now and every `everyMs` (chDB starts
 * threads as it needs them; threads inherit their creator's value, so most are born yielded).
 * `keep` is asked at each sweep (an ingest worker that was replaced has a new id); undefined skips
 * the sweep (a thread to keep is starting and its id is not known yet).
 */
export function yieldOtherThreads(nice: number, keep: () => Iterable<number> | undefined, everyMs = 1000): ThreadYield {
  const sweep = (): void => {
    let tids: string[];
    try {
      tids = readdirSync('/proc/self/task');
    } catch {
      return; // not Linux
    }
    const keeping = keep();
    if (!keeping) return;
    const kept = new Set(keeping);
    for (const t of tids) {
      const tid = Number(t);
      if (!kept.has(tid)) raiseThreadNice(tid, nice);
    }
  };
  sweep();
  const timer = setInterval(sweep, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
