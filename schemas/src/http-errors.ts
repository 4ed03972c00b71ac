/**
 * The one error-to-HTTP mapping, shared by the collector and the API (`@cairn/schemas/http-errors`).
 *
 * Every error a server answers leaves with a code of the registry (errors.ts), the status the
 * registry gives that code and a message: a thrown `CairnError` as it is, Fastify's own errors
 * (bad JSON, validation, content type, body size, router limits) as the code their status or
 * Fastify code names, an unknown route as `CAIRN_ROUTE_NOT_FOUND` (clients such as the dashboard
 * tell a missing route from a missing record by that code alone), anything else as
 * `CAIRN_INTERNAL` with the details in the log only.
 *
 * Fastify is imported for its types alone: the plugin only uses the instance it is given, so
 * this package keeps no run-time dependency on it and the browser bundle (which never imports
 * this subpath) is unaffected.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { afterBody } from './drain-body.js';
import { CairnError, ERROR_CODES, errorBody, isCairnError, type ErrorCode } from './errors.js';

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
 * The registry code of an error Fastify raised itself (bad JSON, content type, body size,
 * validation...), or undefined when the error is not the client's fault. Any client error
 * Fastify reports with a status the registry has no code for becomes CAIRN_BAD_REQUEST: a
 * framework error must never leave as a 500 or without a code.
 */
export function frameworkErrorCode(err: FastifyError): ErrorCode | undefined {
  if (err.validation) return 'CAIRN_BAD_REQUEST';
  const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
  return (
    (err.code ? CODE_BY_FASTIFY_CODE[err.code] : undefined) ??
    (status >= 400 && status < 500 ? (CODE_BY_STATUS[status] ?? 'CAIRN_BAD_REQUEST') : undefined)
  );
}

export interface HttpErrorOptions {
  /**
   * This server's own reading of an error before the generic mapping (the collector's wording
   * of a wrong Content-Type, the API's "storage is down" → 503); undefined to fall through.
   */
  classify?: (err: Error) => CairnError | undefined;
  /** Appended to the unknown-route message, e.g. where the right route is. */
  notFoundHint?: string;
  /**
   * Takes the unknown requests first (the API serves the dashboard's client-side routes);
   * returns undefined to let the `CAIRN_ROUTE_NOT_FOUND` answer go.
   */
  notFound?: (request: FastifyRequest, reply: FastifyReply) => FastifyReply | undefined;
  /**
   * Writes the answer; the default is `{ "error": { "code", "message" } }` as JSON with the
   * registry's status (already set on `reply`). The collector answers protobuf clients in
   * protobuf and counts every answer.
   */
  send?: (request: FastifyRequest, reply: FastifyReply, err: CairnError) => FastifyReply;
}

/** Any thrown value as the registry error it answers as (`classify` first, then the generic mapping). */
export function toCairnError(err: unknown, classify?: (err: Error) => CairnError | undefined): CairnError {
  if (isCairnError(err)) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  const own = classify?.(e);
  if (own !== undefined) return own;
  // Fastify's message names the part and field: "querystring/limit must be <= 500".
  const code = frameworkErrorCode(e as FastifyError);
  if (code !== undefined) return new CairnError(code, e.message);
  return new CairnError('CAIRN_INTERNAL', 'internal error: the server log has the details', { cause: err });
}

/**
 * Fastify's `frameworkErrors` option: errors the router raises before any route or error handler
 * runs (a path that is not valid percent-encoded UTF-8, a path parameter over maxParamLength).
 * Without it they leave in Fastify's own shape, without a Cairn code.
 */
export function sendFrameworkError(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const code = frameworkErrorCode(err) ?? 'CAIRN_BAD_REQUEST';
  void reply.status(ERROR_CODES[code].status).send(errorBody(code, err.message));
}

/** Installs the error and not-found handlers on `app`: every error answers through `options.send`. */
export function installHttpErrors(app: FastifyInstance, options: HttpErrorOptions = {}): void {
  const send = options.send ?? ((_req, reply, err) => reply.send(errorBody(err.code, err.message)));
  const answer = (request: FastifyRequest, reply: FastifyReply, err: CairnError): FastifyReply | Promise<FastifyReply> => {
    // An expected refusal for load is not worth an error line per request.
    if (err.status >= 500 && err.code !== 'CAIRN_OVERLOADED') request.log.error({ err: err.cause ?? err }, err.message);
    // A body not read to its end (a 413 stops part way, auth refuses before reading) is drained
    // first, bounded, so a client still sending reads this answer instead of failing with EPIPE
    // (OTLP exporters would retry the same body); the connection closes after it.
    return afterBody(request.raw, (unread) => {
      if (unread) void reply.header('connection', 'close');
      void reply.status(err.status);
      return send(request, reply, err);
    });
  };
  app.setErrorHandler((err: Error, request, reply) => answer(request, reply, toCairnError(err, options.classify)));
  app.setNotFoundHandler((request, reply) => {
    const taken = options.notFound?.(request, reply);
    if (taken !== undefined) return taken;
    const path = request.url.split('?')[0] ?? '';
    const hint = options.notFoundHint ? `; ${options.notFoundHint}` : '';
    return answer(request, reply, new CairnError('CAIRN_ROUTE_NOT_FOUND', `no route ${request.method} ${path}${hint}`));
  });
}
