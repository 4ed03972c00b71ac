import { ApiKeyList, CreatedKeyResponse, CreateKeyBody, KeyParams, type ApiKey } from '@cairn/schemas';
import { createKey, listKeys, revokeKey, type ApiKeyRecord } from '@cairn/storage';
import type { ApiInstance, RouteContext } from '../types.js';
import { registerCrudRoutes } from './crud.js';

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
  registerCrudRoutes(app, {
    path: '/api/keys',
    tag: 'keys',
    noun: 'key',
    params: KeyParams,
    idParam: 'key_id',
    list: {
      summary: "The project's keys (never the keys themselves: a prefix to recognise them)",
      response: ApiKeyList,
      load: async (projectId) => ({ keys: (await listKeys(store, projectId)).map(toApiKey) }),
    },
    create: {
      summary: 'Create an ingest or admin key for this project',
      description: 'The answer holds the full key: it is shown this once; only its SHA-256 is stored.',
      body: CreateKeyBody,
      response: CreatedKeyResponse,
      run: async (projectId, body) => {
        const { key, ...record } = await createKey(store, { projectId, kind: body.kind, name: body.name ?? '' });
        return { key, record: toApiKey(record) };
      },
    },
    remove: {
      summary: 'Revoke a key of this project',
      description:
        'Takes effect at once on this process and within 5 seconds on others (key cache). Sign-ins made with the key end too.',
      byId: async (projectId, keyId) => {
        const ok = await revokeKey(store, projectId, keyId);
        if (ok) auth.invalidate();
        return ok;
      },
    },
  });
}
