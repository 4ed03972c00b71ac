import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { CairnError } from '@cairn/schemas';

/** Held while a collector owns a spool directory; `release` removes the lock file. */
export interface SpoolLock {
  readonly path: string;
  release(): Promise<void>;
}

interface Owner {
  host: string;
  pid: number;
}

const LOCK_FILE = 'spool.lock';
/** Locks this process holds: our own pid in a lock file is stale only when we do not hold it. */
const held = new Set<string>();

/** Whether process `pid` exists on this host (EPERM: it exists, owned by someone else). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(path: string): Promise<Owner | undefined> {
  try {
    const o = JSON.parse(await readFile(path, 'utf8')) as Partial<Owner>;
    return typeof o.host === 'string' && typeof o.pid === 'number' ? { host: o.host, pid: o.pid } : undefined;
  } catch {
    return undefined; // gone meanwhile, or torn by a crash mid-write: treated as stale
  }
}

/**
 * Takes the spool directory for this process. Two collectors appending to one spool would
 * interleave segments and replay each other's batches, so the second one must not start. The
 * lock is a file created exclusively, holding host and pid: a lock left by a process that is
 * gone (same host, pid not running — or our own pid, reused after a container restart) is
 * stale and taken over. A lock from another host is never broken: the spool volume is shared
 * by mistake, and that is for a person to fix.
 * @throws CairnError `CAIRN_SPOOL_LOCKED` when a live collector holds it.
 */
export async function lockSpoolDir(dir: string): Promise<SpoolLock> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const me: Owner = { host: hostname(), pid: process.pid };
  if (held.has(path))
    throw new CairnError('CAIRN_SPOOL_LOCKED', `this process already runs a collector on the spool directory ${dir}`);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(path, 'wx');
      try {
        await fh.writeFile(JSON.stringify(me));
        await fh.datasync();
      } finally {
        await fh.close();
      }
      let released = false;
      held.add(path);
      return {
        path,
        async release() {
          if (released) return;
          released = true;
          held.delete(path);
          const owner = await readOwner(path);
          if (owner && owner.host === me.host && owner.pid === me.pid) await unlink(path).catch(() => undefined);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = await readOwner(path);
    const stale = !owner || (owner.host === me.host && (owner.pid === me.pid || !alive(owner.pid)));
    if (!stale) {
      throw new CairnError(
        'CAIRN_SPOOL_LOCKED',
        `another collector (pid ${owner.pid} on ${owner.host}) holds the spool directory ${dir}: give each collector its own CAIRN_SPOOL_DIR`,
      );
    }
    await unlink(path).catch(() => undefined);
  }
  throw new CairnError('CAIRN_SPOOL_LOCKED', `could not take the lock on the spool directory ${dir}`);
}
