/**
 * Reading the rest of a refused request body, so a client still sending it can read the answer.
 *
 * A server that answers 413 (or any early error) and closes while the client is still writing
 * makes the client fail with EPIPE or ECONNRESET: OTLP exporters then report a network error
 * and retry the same oversized body, instead of seeing the 413 and dropping it. Draining first,
 * bounded in bytes and time so a hostile client cannot hold the server, lets the answer through.
 *
 * Shared by the collector and the API. Structurally typed (no node: import) because this
 * package is also bundled for the browser.
 */

/** The part of a Node.js IncomingMessage the drain uses. */
export interface DrainableBody {
  readonly complete?: boolean;
  readonly readableEnded?: boolean;
  readonly destroyed?: boolean;
  on(event: 'data', listener: (chunk: { length: number }) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: unknown) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
  resume(): unknown;
}

export interface DrainLimits {
  /** Bytes read and discarded at most (default 64 MiB). */
  maxBytes?: number;
  /** Time spent at most (default 5 s). */
  maxMs?: number;
}

export interface DrainResult {
  /** The whole body was read: the answer can be sent on a connection the client is not writing to. */
  drained: boolean;
  /** Bytes read and discarded by the drain. */
  bytes: number;
}

export const DRAIN_MAX_BYTES = 64 * 1024 * 1024;
export const DRAIN_MAX_MS = 5000;

/** Reads and discards the rest of `body`, up to the limits. Never rejects. */
export function drainBody(body: DrainableBody, limits: DrainLimits = {}): Promise<DrainResult> {
  const maxBytes = limits.maxBytes ?? DRAIN_MAX_BYTES;
  const maxMs = limits.maxMs ?? DRAIN_MAX_MS;
  if (body.complete === true || body.readableEnded === true) return Promise.resolve({ drained: true, bytes: 0 });
  if (body.destroyed === true) return Promise.resolve({ drained: false, bytes: 0 });
  return new Promise((resolve) => {
    let bytes = 0;
    const finish = (drained: boolean): void => {
      clearTimeout(timer);
      body.removeListener('data', onData);
      body.removeListener('end', onEnd);
      body.removeListener('close', onClose);
      body.removeListener('error', onClose);
      resolve({ drained, bytes });
    };
    const onData = (chunk: { length: number }): void => {
      bytes += chunk.length;
      if (bytes > maxBytes) finish(false);
    };
    const onEnd = (): void => finish(true);
    const onClose = (): void => finish(body.complete === true);
    const timer = setTimeout(() => finish(false), maxMs);
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('close', onClose);
    body.on('error', onClose);
    body.resume();
  });
}

/**
 * Runs `send` at once when the request body was read to its end; otherwise drains it first
 * (bounded) and passes `unread = true`, so the caller closes the connection after its answer
 * (if the drain stopped at a bound, the rest of the body is still on the way).
 */
export function afterBody<T>(body: DrainableBody, send: (unread: boolean) => T, limits?: DrainLimits): T | Promise<T> {
  if (body.complete !== false) return send(false);
  return drainBody(body, limits).then(() => send(true));
}
