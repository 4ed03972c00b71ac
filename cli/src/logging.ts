import { Writable } from 'node:stream';
import { CairnError } from '@cairn/schemas';

/*
 * Log output. On a terminal a person reads it: warnings and errors only, one readable line each
 * (the start banner already says what runs where). Anywhere else — a container, systemd, a
 * pipe — a log collector reads it: pino's JSON lines at `info`. CAIRN_LOG_FORMAT and
 * CAIRN_LOG_LEVEL override either choice.
 */

export type LogFormat = 'json' | 'pretty';

export interface LogSettings {
  logLevel: string;
  logFormat: LogFormat;
}

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** CAIRN_LOG_FORMAT / CAIRN_LOG_LEVEL, with defaults that depend on whether stdout is a terminal. */
export function logSettings(env: Record<string, string | undefined>, isTty: boolean): LogSettings {
  const fmt = env.CAIRN_LOG_FORMAT || (isTty ? 'pretty' : 'json');
  if (fmt !== 'json' && fmt !== 'pretty') {
    throw new CairnError('CAIRN_CONFIG_INVALID', `CAIRN_LOG_FORMAT must be json or pretty, got "${fmt}"`);
  }
  const level = env.CAIRN_LOG_LEVEL || (fmt === 'pretty' ? 'warn' : 'info');
  if (!LEVELS.has(level)) {
    throw new CairnError('CAIRN_CONFIG_INVALID', `CAIRN_LOG_LEVEL must be one of ${[...LEVELS].join(', ')}, got "${level}"`);
  }
  return { logLevel: level, logFormat: fmt };
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const SKIP = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'reqId', 'req', 'res', 'err', 'responseTime']);

/**
 * One pino JSON line as `12:00:01  WARN   api        message  GET /x  401  3ms  key=value`.
 * With `requests` (reqId → "METHOD url"), Fastify's "incoming request" line is held back
 * (undefined) and its method and url are put on the "request completed" line: one line per request.
 */
export function humanLine(role: string, json: string, requests?: Map<string, string>): string | undefined {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return `${role}  ${json}`;
  }
  const time = typeof o.time === 'number' ? new Date(o.time).toISOString().slice(11, 19) : '';
  const level = (LEVEL_NAMES[Number(o.level)] ?? String(o.level)).padEnd(5);
  const parts = [time, level, role.padEnd(9), String(o.msg ?? '')];
  const req = o.req as { method?: string; url?: string } | undefined;
  const res = o.res as { statusCode?: number } | undefined;
  const reqId = typeof o.reqId === 'string' ? o.reqId : undefined;
  if (requests && reqId !== undefined && req?.method && o.msg === 'incoming request') {
    // Bounded: a line lost to a crash must not make the map grow forever.
    if (requests.size > 10_000) requests.clear();
    requests.set(reqId, `${req.method} ${req.url ?? ''}`);
    return undefined;
  }
  const held = requests && reqId !== undefined ? requests.get(reqId) : undefined;
  if (held !== undefined) {
    requests?.delete(reqId as string);
    parts.push(held);
  } else if (req?.method) parts.push(`${req.method} ${req.url ?? ''}`);
  if (res?.statusCode) parts.push(String(res.statusCode));
  if (typeof o.responseTime === 'number') parts.push(`${Math.round(o.responseTime)}ms`);
  const err = o.err as { type?: string; message?: string } | undefined;
  if (err?.message) parts.push(`— ${err.type ? `${err.type}: ` : ''}${err.message}`);
  for (const [k, v] of Object.entries(o)) if (!SKIP.has(k)) parts.push(`${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return parts.filter((p) => p !== '').join('  ');
}

/** A stream for Fastify's logger that writes {@link humanLine}s of `role` to `out` (stderr). */
export function humanLogStream(role: string, out: NodeJS.WritableStream = process.stderr): Writable {
  let pending = '';
  const requests = new Map<string, string>();
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      pending += chunk.toString();
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        const text = line.trim() === '' ? undefined : humanLine(role, line, requests);
        if (text !== undefined) out.write(text + '\n');
      }
      done();
    },
  });
}
