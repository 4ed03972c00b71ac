import { ErrorResponse } from '@cairn/schemas';

/** Error responses every authenticated route can give (documented in the OpenAPI spec). */
export const AUTH_ERRORS = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse } as const;
export const AUTH_ERRORS_404 = { ...AUTH_ERRORS, 404: ErrorResponse } as const;
