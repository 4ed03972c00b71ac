import { createKey, createKeyResolver, ensureProject, type Store } from '@cairn/storage';
import type { KeyAuthenticator } from '../src/index.js';

/** A project with an ingest and an admin key, and the collector's key check on the store (as the CLI wires it). */
export async function projectWithKeys(
  store: Store,
  projectId: string,
): Promise<{ ingestKey: string; adminKey: string; authenticate: KeyAuthenticator }> {
  await ensureProject(store, projectId, projectId.toUpperCase());
  const ingestKey = (await createKey(store, { projectId, kind: 'ingest' })).key;
  const adminKey = (await createKey(store, { projectId, kind: 'admin' })).key;
  const resolve = createKeyResolver(store);
  return {
    ingestKey,
    adminKey,
    authenticate: async (k) => {
      const r = await resolve(k);
      return r ? { projectId: r.project_id, kind: r.kind } : undefined;
    },
  };
}
