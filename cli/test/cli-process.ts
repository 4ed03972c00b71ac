import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The built CLI, as `npm start` runs it (`npm test` builds first). */
export const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** A port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface Running {
  proc: ChildProcessWithoutNullStreams;
  /** Everything it printed so far, stdout and stderr interleaved. */
  out: () => string;
  /** Its exit code, or the signal that ended it. */
  exited: Promise<NodeJS.Signals | number | null>;
}

/** `cairn <args>` as a child process, with `env` over this process's environment. */
export function run(args: string[], env: Record<string, string>, cwd?: string): Running {
  const proc = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, ...env, CAIRN_LOG_LEVEL: 'warn' }, cwd });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    proc.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  return { proc, out: () => out, exited };
}

/** Waits until the process printed `pattern` (up to 60 s); fails with its output if it exits first. */
export async function waitFor(r: Running, pattern: RegExp): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (pattern.test(r.out())) return;
    if (r.proc.exitCode !== null) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`did not see ${pattern} in:\n${r.out()}`);
}
