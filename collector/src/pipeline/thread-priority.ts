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

/** Raises one thread's nice value to `nice` (never lowers it); a thread that has ended is skipped. */
export function raiseThreadNice(tid: number, nice: number): void {
  try {
    if (getPriority(tid) < nice) setPriority(tid, nice);
  } catch {
    // ended since it was listed, or not Linux
  }
}

/**
 * Sets `nice` on every thread of the process but `keep`'s. Run it again now and then: chDB starts
 * threads as it needs them (most inherit their creator's value, so they are born yielded).
 */
export function sweepThreads(nice: number, keep: Iterable<number>): void {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return; // not Linux
  }
  const kept = new Set(keep);
  for (const t of tids) {
    const tid = Number(t);
    if (!kept.has(tid)) raiseThreadNice(tid, nice);
  }
}
