import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createKey, ensureProject, openStore, type Store } from '@cairn/storage';
import { buildApp, type ApiConfig } from '../src/index.js';

export const TEST_CONFIG: ApiConfig = {
  host: '127.0.0.1',
  httpPort: 0,
  alertIntervalMs: 10_000,
  webhookAllowPrivate: false,
  maxBodyBytes: 1024 * 1024,
  logLevel: 'silent',
  storageMode: 'embedded',
};

/** A real embedded store in a temporary directory (one per test file: one chDB per process). */
export async function openTempStore(): Promise<{ store: Store; cleanup: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-api-test-'));
  const store = await openStore({ dataDir: dir });
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TestProject {
  projectId: string;
  admin: string;
  ingest: string;
}

export async function makeProject(store: Store, projectId: string): Promise<TestProject> {
  await ensureProject(store, projectId, `Project ${projectId}`);
  const admin = await createKey(store, { projectId, kind: 'admin', name: 'test admin' });
  const ingest = await createKey(store, { projectId, kind: 'ingest', name: 'test ingest' });
  return { projectId, admin: admin.key, ingest: ingest.key };
}

export async function makeApp(store: Store, over: Partial<ApiConfig> = {}): Promise<FastifyInstance> {
  const app = await buildApp({ ...TEST_CONFIG, ...over }, { store });
  await app.ready();
  return app;
}

export const bearer = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });

/** GET with a key; returns status and parsed JSON. */
export async function getJson<T = any>(app: FastifyInstance, url: string, key: string): Promise<{ status: number; body: T }> {
  const res = await app.inject({ method: 'GET', url, headers: bearer(key) });
  return { status: res.statusCode, body: res.body === '' ? (undefined as T) : (JSON.parse(res.body) as T) };
}

export { BASE_NS, MS, makeSpanRow as span } from '@cairn/testkit';
