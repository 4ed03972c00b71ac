import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '@cairn/testkit';
import { humanLine, logSettings } from '../src/logging.js';
import { freePort, MAIN } from './cli-process.js';

/*
 * Log output of `cairn start` as a person and as a log collector meet it: under a real
 * pseudo-terminal (`script`), and over a pipe. Each run serves two requests and is stopped
 * with SIGINT by `timeout`, so it flushes and exits like Ctrl-C.
 */

const dirs: { cleanup: () => void }[] = [];
afterAll(() => dirs.forEach((d) => d.cleanup()));

async function startAndRequest(extraEnv: Record<string, string>, tty: boolean): Promise<string> {
  const dir = tempDataDir('cairn-logs-');
  dirs.push(dir);
  const httpPort = await freePort();
  const env: Record<string, string | undefined> = {
    ...process.env,
    CAIRN_LOG_LEVEL: undefined,
    CAIRN_LOG_FORMAT: undefined,
    CAIRN_DATA_DIR: dir.dir,
    CAIRN_HTTP_PORT: String(httpPort),
    CAIRN_OTLP_PORT: String(await freePort()),
    CAIRN_OTLP_GRPC_PORT: String(await freePort()),
    ...extraEnv,
  };
  const cmd = `timeout -s INT 25 ${process.execPath} ${MAIN} start`;
  const proc = tty ? spawn('script', ['-qec', cmd, '/dev/null'], { env }) : spawn(process.execPath, [MAIN, 'start'], { env });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => proc.on('exit', () => r()));
  for (let i = 0; i < 300 && !/Cairn is running/.test(out); i++) await new Promise((r) => setTimeout(r, 100));
  expect(out).toMatch(/Cairn is running/);
  expect((await fetch(`http://127.0.0.1:${httpPort}/healthz`)).status).toBe(200);
  expect((await fetch(`http://127.0.0.1:${httpPort}/api/sessions`)).status).toBe(401);
  await new Promise((r) => setTimeout(r, 300));
  proc.kill('SIGINT'); // sh / script pass it on; timeout is the backstop
  await exited;
  return out;
}

describe('cairn start logs', () => {
  it('on a terminal: the start banner, no per-request JSON lines', async () => {
    const out = await startAndRequest({}, true);
    expect(out).toMatch(/OTLP\/HTTP traces/);
    expect(out).not.toMatch(/\{"level":/);
    expect(out).not.toMatch(/incoming request|request completed/);
  });

  it('not on a terminal: pino JSON lines at info, for a log collector', async () => {
    const out = await startAndRequest({}, false);
    const json = out.split('\n').filter((l) => l.startsWith('{"level":'));
    expect(json.length).toBeGreaterThan(0);
    expect(json.some((l) => l.includes('"url":"/healthz"'))).toBe(true);
  });

  it('CAIRN_LOG_FORMAT=pretty with CAIRN_LOG_LEVEL=info: one readable line per request', async () => {
    const out = await startAndRequest({ CAIRN_LOG_FORMAT: 'pretty', CAIRN_LOG_LEVEL: 'info' }, false);
    expect(out).toMatch(/^\d\d:\d\d:\d\d {2}INFO {3}api {8}request completed {2}GET \/healthz {2}200 {2}\d+ms$/m);
    expect(out).toMatch(/request completed {2}GET \/api\/sessions {2}401/);
    expect(out).not.toMatch(/incoming request/);
    expect(out).not.toMatch(/\{"level":/);
  });
});

describe('log settings', () => {
  it('defaults by terminal, and validates', () => {
    expect(logSettings({}, true)).toEqual({ logLevel: 'warn', logFormat: 'pretty' });
    expect(logSettings({}, false)).toEqual({ logLevel: 'info', logFormat: 'json' });
    expect(logSettings({ CAIRN_LOG_FORMAT: 'json' }, true)).toEqual({ logLevel: 'info', logFormat: 'json' });
    expect(() => logSettings({ CAIRN_LOG_FORMAT: 'xml' }, true)).toThrow(/CAIRN_LOG_FORMAT/);
    expect(() => logSettings({ CAIRN_LOG_LEVEL: 'loud' }, true)).toThrow(/CAIRN_LOG_LEVEL/);
  });

  it('formats a pino line for people', () => {
    const line = JSON.stringify({ level: 40, time: Date.UTC(2026, 0, 1, 12, 0, 1), msg: 'slow insert', rows: 20000 });
    expect(humanLine('collector', line)).toBe('12:00:01  WARN   collector  slow insert  rows=20000');
  });
});
