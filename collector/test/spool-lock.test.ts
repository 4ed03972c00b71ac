import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isCairnError } from '@cairn/schemas';
import { lockSpoolDir } from '../src/index.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const dir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'cairn-spool-lock-'));
  dirs.push(d);
  return d;
};
const codeOf = (p: Promise<unknown>): Promise<string | undefined> =>
  p.then(
    () => undefined,
    (err: unknown) => (isCairnError(err) ? err.code : String(err)),
  );
const lockFile = (d: string, owner: object): void => writeFileSync(join(d, 'spool.lock'), JSON.stringify(owner));

describe('the spool directory lock', () => {
  it('is held by one collector at a time and released on close', async () => {
    const d = dir();
    const lock = await lockSpoolDir(d);
    expect(existsSync(join(d, 'spool.lock'))).toBe(true);
    expect(await codeOf(lockSpoolDir(d))).toBe('CAIRN_SPOOL_LOCKED');
    await lock.release();
    expect(existsSync(join(d, 'spool.lock'))).toBe(false);
    await (await lockSpoolDir(d)).release();
  });

  it('refuses a live process on this host and any other host, and takes over the lock of a process that is gone', async () => {
    const live = dir();
    lockFile(live, { host: hostname(), pid: process.ppid });
    expect(await codeOf(lockSpoolDir(live))).toBe('CAIRN_SPOOL_LOCKED');
    const remote = dir();
    lockFile(remote, { host: 'another-host', pid: 1 });
    expect(await codeOf(lockSpoolDir(remote))).toBe('CAIRN_SPOOL_LOCKED');

    // A pid that has exited: a collector killed with -9 left this lock behind.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const stale = dir();
    lockFile(stale, { host: hostname(), pid: Number(gone.stdout) });
    await (await lockSpoolDir(stale)).release();
    // Our own pid in a lock we do not hold: a container restarted as pid 1 again.
    const reused = dir();
    lockFile(reused, { host: hostname(), pid: process.pid });
    await (await lockSpoolDir(reused)).release();
    // A torn lock file (crash mid-write) is stale too.
    const torn = dir();
    writeFileSync(join(torn, 'spool.lock'), '{"host":');
    await (await lockSpoolDir(torn)).release();
  });
});
