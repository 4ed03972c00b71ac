import { ApiKeyList, CairnError, CreatedKeyResponse, CreateKeyBody, KeyParams, OkResponse, type ApiKey } from '@cairn/schemas';
import { createKey, listKeys, revokeKey, type ApiKeyRecord } from '@cairn/storage';
import { authOf } from '../auth.js';
import type { ApiInstance, RouteContext } from '../types.js';
import { AUTH_ERRORS, AUTH_ERRORS_404 } from './common.js';

function toApiKey(r: ApiKeyRecord): ApiKey {
  const created = Date.parse(r.created_at.includes('T') ? r.created_at : r.created_at.replace(' ', 'T') + 'Z');
  return {
    key_id: r.key_id,
    kind: r.kind,
    prefix: r.prefix,
    name: r.name,
    created_at: Number.isFinite(created) ? new Date(created).toISOString() : r.created_at,
    revoked: Number(r.revoked) === 1,
  };
}

export function registerKeyRoutes(app: ApiInstance, { store, auth }: RouteContext): void {
  app.get(
    '/api/keys',
    {
      schema: {
        tags: ['keys'],
        summary: "The project's keys (never the keys themselves: a prefix to recognise them)",
        response: { 200: ApiKeyList, ...AUTH_ERRORS },
      },
    },
    async (request) => ({ keys: (await listKeys(store, authOf(request).projectId)).map(toApiKey) }),
  );

  app.post(
    '/api/keys',
    {
      schema: {
        tags: ['keys'],
        summary: 'Create an ingest or admin key for this project',
        description: 'The answer holds the full key: it is shown this once; only its SHA-256 is stored.',
        body: CreateKeyBody,
        response: { 201: CreatedKeyResponse, ...AUTH_ERRORS },
      },
    },
    async (request, reply) => {
      const created = await createKey(store, {
        projectId: authOf(request).projectId,
        kind: request.body.kind,
        name: request.body.name ?? '',
      });
      const { key, ...record } = created;
      return reply.status(201).send({ key, record: toApiKey(record) });
    },
  );

  app.delete(
    '/api/keys/:key_id',
    {
      schema: {
        tags: ['keys'],
        summary: 'Revoke a key of this project',
        description:
          'Takes effect at once on this process and within 5 seconds on others (key cache). Sign-ins made with the key end too.',
        params: KeyParams,
        response: { 200: OkResponse, ...AUTH_ERRORS_404 },
      },
    },
    async (request) => {
      const ok = await revokeKey(store, authOf(request).projectId, request.params.key_id);
      if (!ok) throw new CairnError('CAIRN_NOT_FOUND', `no key "${request.params.key_id}" in this project`);
      auth.invalidate();
      return { ok: true as const };
    },
  );
}
