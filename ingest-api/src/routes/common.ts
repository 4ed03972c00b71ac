import { CairnError, ErrorResponse } from '@cairn/schemas';
import { listWebhooks, type Store } from '@cairn/storage';

/** Error responses every authenticated route can give (documented in the OpenAPI spec). */
export const AUTH_ERRORS = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse } as const;
export const AUTH_ERRORS_404 = { ...AUTH_ERRORS, 404: ErrorResponse } as const;

/** A 400 naming `field` when one of `ids` is not a webhook of the project (budgets, review queues). */
export async function assertWebhooks(store: Store, projectId: string, field: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const known = new Set((await listWebhooks(store, projectId)).map((w) => w.id));
  const missing = ids.find((id) => !known.has(id));
  if (missing !== undefined) throw new CairnError('CAIRN_BAD_REQUEST', `${field}: no webhook "${missing}" in this project`);
}
