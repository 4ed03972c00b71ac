import { request } from 'node:http';

/** What a client sending a body saw: the answer, or the error its socket reported. */
export interface StreamOutcome {
  status?: number;
  body?: string;
  /** EPIPE, ECONNRESET…: what an exporter would report instead of the answer. */
  clientError?: string;
}

/**
 * POSTs `total` bytes to `url` in 16 KiB writes, honouring backpressure, with a Content-Length
 * or chunked: a client that is still writing when the server answers. Shared by the collector
 * and API body-limit tests.
 */
export function streamBody(
  url: string,
  total: number,
  headers: Record<string, string>,
  withLength: boolean,
): Promise<StreamOutcome> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const out: StreamOutcome = {};
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        agent: false,
        headers: { ...headers, ...(withLength ? { 'content-length': String(total) } : {}) },
      },
      (res) => {
        let body = '';
        res.setEncoding('latin1');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          out.status = res.statusCode;
          out.body = body;
        });
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => (out.clientError = err.code ?? err.message));
    req.on('close', () => setTimeout(() => resolve(out), 20));
    const chunk = Buffer.alloc(16 * 1024, 0x20);
    let sent = 0;
    const pump = (): void => {
      while (sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}
