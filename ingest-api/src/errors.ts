import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { afterBody, ERROR_CODES, errorBody, isCairnError, type ErrorBody, type ErrorCode } from '@cairn/schemas';

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'CAIRN_BAD_REQUEST',
  401: 'CAIRN_UNAUTHORIZED',
  403: 'CAIRN_FORBIDDEN',
  404: 'CAIRN_NOT_FOUND',
  409: 'CAIRN_CONFLICT',
  413: 'CAIRN_PAYLOAD_TOO_LARGE',
  415: 'CAIRN_UNSUPPORTED_MEDIA_TYPE',
  429: 'CAIRN_RATE_LIMITED',
  503: 'CAIRN_STORAGE_UNAVAILABLE',
};

/** Fastify's own error codes that deserve a more precise Cairn code than their status gives. */
const CODE_BY_FASTIFY_CODE: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'CAIRN_MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'CAIRN_MALFORMED_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'CAIRN_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'CAIRN_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'CAIRN_BAD_REQUEST',
};

/**
 * The code and status of an error Fastify raised itself (bad JSON, content type, body size,
 * validation...), or undefined when the error is not the client's fault. Any client error
 * Fastify reports with a status the registry has no code for becomes CAIRN_BAD_REQUEST (400):
 * a framework error must never leave as a 500 or without a code.
 */
export function frameworkError(err: FastifyError): { code: ErrorCode; status: number } | undefined {
  if (err.validation) return { code: 'CAIRN_BAD_REQUEST', status: 400 };
  const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
  const code =
    (err.code ? CODE_BY_FASTIFY_CODE[err.code] : undefined) ??
    (status >= 400 && status < 500 ? (CODE_BY_STATUS[status] ?? 'CAIRN_BAD_REQUEST') : undefined);
  return code === undefined ? undefined : { code, status: ERROR_CODES[code].status };
}

/**
 * Fastify's `frameworkErrors` option: errors the router raises before any route or error handler
 * runs (a path that is not valid percent-encoded UTF-8, a path parameter over maxParamLength).
 * Without it they leave in Fastify's own shape, without a Cairn code.
 */
export function sendFrameworkError(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const mapped = frameworkError(err) ?? { code: 'CAIRN_BAD_REQUEST' as const, status: 400 };
  void reply.status(mapped.status).send(errorBody(mapped.code, err.message));
}

/**
 * The one place error codes become HTTP: every error leaves as
 * `{ "error": { "code", "message" } }` with the status the registry gives its code.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | Error, request, reply) => {
    if (isCairnError(err)) {
      if (err.status >= 500) request.log.error({ err }, err.message);
      return answer(request, reply, err.status, errorBody(err.code, err.message));
    }
    // Fastify's message names the part and field: "querystring/limit must be <= 500".
    const framework = frameworkError(err as FastifyError);
    if (framework) return answer(request, reply, framework.status, errorBody(framework.code, err.message));
    request.log.error({ err }, 'request failed');
    if (isStorageDown(err)) {
      return answer(request, reply, 503, errorBody('CAIRN_STORAGE_UNAVAILABLE', 'ClickHouse did not answer; retry shortly'));
    }
    return answer(request, reply, 500, errorBody('CAIRN_INTERNAL', 'internal error: the server log has the details'));
  });
}

/**
 * Sends an error. When the body was not read to its end (a 413 refuses it part way, an early
 * error never reads it), the rest is drained first (bounded) so a client still sending can read
 * the answer instead of failing with EPIPE, and the connection is closed after it.
 */
function answer(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  body: ErrorBody,
): FastifyReply | Promise<FastifyReply> {
  return afterBody(request.raw, (unread) => {
    if (unread) void reply.header('connection', 'close');
    return reply.status(status).send(body);
  });
}

function isStorageDown(err: Error): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT' || /timeout|ECONNREFUSED/i.test(err.message);
}
