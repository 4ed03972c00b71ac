/**
 * The one registry of Cairn error codes. Domain code throws `CairnError` with one of these
 * codes; the HTTP layers map a code to its status here and nowhere else. Add new codes here,
 * with the status a client should see and a line saying when it happens.
 */
export const ERROR_CODES = {
  CAIRN_BAD_REQUEST: { status: 400, doc: 'A parameter or body field is missing or invalid.' },
  CAIRN_MALFORMED_PROTOBUF: { status: 400, doc: 'An OTLP protobuf body could not be decoded.' },
  CAIRN_MALFORMED_JSON: { status: 400, doc: 'A JSON body could not be parsed or has the wrong shape.' },
  CAIRN_BAD_ENCODING: { status: 400, doc: 'A Content-Encoding is unsupported or its data is corrupt (e.g. bad gzip).' },
  CAIRN_UNAUTHORIZED: { status: 401, doc: 'No key, an unknown key or a revoked key.' },
  CAIRN_FORBIDDEN: { status: 403, doc: 'The key is valid but may not do this (e.g. an ingest key reading data).' },
  CAIRN_NOT_FOUND: { status: 404, doc: 'No such resource in this project.' },
  CAIRN_ROUTE_NOT_FOUND: {
    status: 404,
    doc: 'No route for this method and path: a typo, or a feature this server does not have (clients test the code, not the message).',
  },
  CAIRN_CONFLICT: { status: 409, doc: 'The resource exists already or changed meanwhile.' },
  CAIRN_PAYLOAD_TOO_LARGE: { status: 413, doc: 'The body exceeds the configured size limit.' },
  CAIRN_UNSUPPORTED_MEDIA_TYPE: { status: 415, doc: 'The Content-Type is not one the route accepts.' },
  CAIRN_CLIENT_GONE: {
    status: 499,
    doc: 'The client closed the connection before the answer; the statements it still waited for were not run (sent to no one: the connection is gone).',
  },
  CAIRN_RATE_LIMITED: { status: 429, doc: 'Too many requests; retry after the given delay.' },
  CAIRN_OVERLOADED: { status: 503, doc: 'The collector cannot accept more data now; retry after the given delay.' },
  CAIRN_STORAGE_UNAVAILABLE: { status: 503, doc: 'ClickHouse did not answer.' },
  CAIRN_INTERNAL: { status: 500, doc: 'A bug: the message and logs say where.' },
  CAIRN_CONFIG_INVALID: { status: 500, doc: 'A setting has an invalid value (raised at start).' },
  CAIRN_STORE_LOCKED: { status: 500, doc: 'Another process holds the embedded data directory.' },
  CAIRN_PORT_IN_USE: { status: 500, doc: 'A port Cairn was told to listen on is taken by another process (raised at start).' },
  CAIRN_SPOOL_LOCKED: { status: 500, doc: 'Another collector holds the spool directory (one collector per CAIRN_SPOOL_DIR).' },
  CAIRN_MIGRATION_PENDING: {
    status: 500,
    doc: 'CAIRN_MIGRATE=0 and the schema has pending migrations: run `cairn migrate` first.',
  },
  CAIRN_MIGRATION_FAILED: { status: 500, doc: 'A schema migration failed; the store was left as it was before it.' },
  CAIRN_LIMIT_EXCEEDED: { status: 429, doc: 'A per-run cap (cost, tokens, steps, duration, repeats) was crossed (SDK).' },
  CAIRN_BUDGET_EXCEEDED: { status: 402, doc: 'A hard-stop budget in scope is spent (SDK and /api/guard).' },
  CAIRN_REVIEW_DECIDED: { status: 409, doc: 'The review item has a decision already (a reviewer or an auto fallback).' },
  CAIRN_REVIEW_CLAIMED: { status: 409, doc: 'Another reviewer has claimed the review item.' },
  CAIRN_WEBHOOK_TARGET_REFUSED: { status: 400, doc: 'A webhook URL points at a private or loopback address without the opt-in.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The one error class of Cairn. `code` is from {@link ERROR_CODES}; `details` is safe to show. */
export class CairnError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CairnError';
    this.code = code;
    this.details = options?.details;
  }
  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}

export function isCairnError(err: unknown): err is CairnError {
  return err instanceof CairnError;
}

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}
