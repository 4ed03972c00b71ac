import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { runInAbortScope } from '@cairn/storage';

/**
 * The API's HTTP server, whose requests abandon their read statements when the client leaves
 * before the answer: a browser that navigates away cancels the old page's requests, and in
 * embedded mode the statements they still wait for (chDB runs them one at a time) would otherwise
 * run ahead of the new page's. Each request runs in its own abort scope (`@cairn/storage`
 * statement-scope), which the store reads where it sends a statement; the handler then fails with
 * CAIRN_CLIENT_GONE, which no client sees. Requests made in-process (`app.inject`) have no scope.
 *
 * A Fastify `serverFactory`: it sets the timeouts Fastify sets on the server it makes itself.
 */
export function scopedServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  opts: {
    http?: ServerOptions;
    keepAliveTimeout?: number;
    requestTimeout?: number;
    connectionTimeout?: number;
    maxRequestsPerSocket?: number;
  },
): Server {
  const server = createServer(opts.http ?? {}, (req, res) => {
    const ctrl = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) ctrl.abort();
    });
    runInAbortScope(ctrl.signal, () => handler(req, res));
  });
  if (opts.keepAliveTimeout !== undefined) server.keepAliveTimeout = opts.keepAliveTimeout;
  if (opts.requestTimeout !== undefined) server.requestTimeout = opts.requestTimeout;
  if (opts.connectionTimeout !== undefined) server.setTimeout(opts.connectionTimeout);
  if (opts.maxRequestsPerSocket) server.maxRequestsPerSocket = opts.maxRequestsPerSocket;
  return server;
}
