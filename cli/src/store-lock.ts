import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CairnError } from '@cairn/schemas';

/*
 * chDB locks its data directory (flock on `<dir>/status`) and, when it cannot, prints its own
 * "Code: 76. DB::Exception: Cannot lock file …" straight to stderr from native code before Cairn
 * can say anything. So commands that open the embedded store look first: Linux lists every
 * flock in /proc/locks with the holder's pid and the file's device and inode.
 */

/** The pid holding the embedded store's lock in `dataDir`, or undefined (free, or not knowable here). */
export function storeLockHolder(dataDir: string): number | undefined {
  let st;
  let locks: string;
  try {
    st = statSync(join(resolve(dataDir), 'status'));
    locks = readFileSync('/proc/locks', 'utf8');
  } catch {
    return undefined; // no status file yet (never opened), or not Linux
  }
  const major = Number((BigInt(st.dev) >> 8n) & 0xfffn);
  const minor = Number((BigInt(st.dev) & 0xffn) | ((BigInt(st.dev) >> 12n) & 0xfff00n));
  const ino = String(st.ino);
  for (const line of locks.split('\n')) {
    // "1: FLOCK  ADVISORY  WRITE 22232 fe:00:2190070 0 EOF"
    const m = /^\d+:\s+FLOCK\s+\S+\s+\S+\s+(\d+)\s+([0-9a-f]+):([0-9a-f]+):(\d+)\s/.exec(line);
    if (!m || m[4] !== ino) continue;
    if (parseInt(m[2] as string, 16) !== major || parseInt(m[3] as string, 16) !== minor) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid) return pid;
  }
  return undefined;
}

const WHILE_IT_RUNS: Record<string, string> = {
  keys: "To create a key while it runs, use the dashboard's Settings page or POST /api/keys with an admin key.",
  migrate: 'A running Cairn applied the migrations when it started; stop it first to run them by hand.',
  serve: 'Stop it first, or give this one another CAIRN_DATA_DIR.',
};

/** The clear error for a held data directory, saying what to do instead of `command`. */
export function storeLockedError(dataDir: string, command: keyof typeof WHILE_IT_RUNS, pid?: number): CairnError {
  const who = pid !== undefined ? `another Cairn process (pid ${pid})` : 'another process';
  return new CairnError(
    'CAIRN_STORE_LOCKED',
    `the data directory ${resolve(dataDir)} is in use by ${who}: the embedded store allows one process per directory. ${WHILE_IT_RUNS[command]}`,
  );
}

/** Throws {@link storeLockedError} when the embedded store in `dataDir` is held by another process. */
export function assertStoreFree(dataDir: string, command: keyof typeof WHILE_IT_RUNS): void {
  const pid = storeLockHolder(dataDir);
  if (pid !== undefined) throw storeLockedError(dataDir, command, pid);
}
