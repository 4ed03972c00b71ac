import type { FastifyInstance } from 'fastify';
import type { ApiConfig } from '@cairn/ingest-api';
import { createKey, ensureProject, type Store } from '@cairn/storage';

/** The API settings a test app starts from (port 0, silent, private webhook targets refused). */
export const TEST_API_CONFIG: ApiConfig = {
  host: '127.0.0.1',
  httpPort: 0,
  alertIntervalMs: 10_000,
  webhookAllowPrivate: false,
  maxBodyBytes: 1024 * 1024,
  logLevel: 'silent',
  storageMode: 'embedded',
};

export interface TestProject {
  projectId: string;
  /** An admin key of the project. */
  admin: string;
  /** An ingest key of the project. */
  ingest: string;
}

/** A project with one admin and one ingest key. */
export async function makeTestProject(store: Store, projectId: string): Promise<TestProject> {
  await ensureProject(store, projectId, `Project ${projectId}`);
  const admin = await createKey(store, { projectId, kind: 'admin', name: 'test admin' });
  const ingest = await createKey(store, { projectId, kind: 'ingest', name: 'test ingest' });
  return { projectId, admin: admin.key, ingest: ingest.key };
}

/** The API on `store`, ready for `app.inject` (not listening). */
export async function makeTestApp(store: Store, over: Partial<ApiConfig> = {}): Promise<FastifyInstance> {
  // Loaded on call, as in start-cairn.ts: tests that only want a store do not load the API.
  const { buildApp } = await import('@cairn/ingest-api');
  const app = await buildApp({ ...TEST_API_CONFIG, ...over }, { store });
  await app.ready();
  return app;
}
