import { Type, type Static } from 'typebox';

/**
 * Types of the HTTP contract (docs/ARCHITECTURE.md, "HTTP contract"), as TypeBox schemas so the server validates with the
 * same definitions the dashboard and clients compile against. Later issues extend this file
 * (or add `api-*.ts` beside it) rather than declaring shapes elsewhere.
 */
export const ErrorResponse = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String() }),
});
export type ErrorResponse = Static<typeof ErrorResponse>;

export const HealthResponse = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  version: Type.String(),
  storage: Type.Union([Type.Literal('embedded'), Type.Literal('server')]),
});
export type HealthResponse = Static<typeof HealthResponse>;
