import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CairnError } from '@cairn/schemas';
import { installHttpErrors } from '@cairn/schemas/http-errors';
import { isAbortError } from '@cairn/storage';

export { sendFrameworkError } from '@cairn/schemas/http-errors';

/**
 * The API's errors through the shared error-to-HTTP plugin (`@cairn/schemas/http-errors`): every
 * error leaves as `{ "error": { "code", "message" } }` with the status the registry gives its
 * code; an unknown route is `CAIRN_ROUTE_NOT_FOUND`. `notFound` takes the requests the server
 * still answers without a route (the dashboard's client-side routes).
 */
export function installErrorHandler(
  app: FastifyInstance,
  notFound?: (request: FastifyRequest, reply: FastifyReply) => FastifyReply | undefined,
): void {
  installHttpErrors(app, {
    classify: (err) =>
      isAbortError(err)
        ? new CairnError('CAIRN_CLIENT_GONE', 'the client closed the connection; its remaining statements were not run', {
            cause: err,
          })
        : isStorageDown(err)
          ? new CairnError('CAIRN_STORAGE_UNAVAILABLE', 'ClickHouse did not answer; retry shortly', { cause: err })
          : undefined,
    ...(notFound ? { notFound } : {}),
  });
}

function isStorageDown(err: Error): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT' || /timeout|ECONNREFUSED/i.test(err.message);
}
