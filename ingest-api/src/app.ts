import Fastify, { type FastifyInstance } from 'fastify';
import type { Store } from '@cairn/storage';
import type { ApiConfig } from './config.js';

export interface ApiDeps {
  store: Store;
}

/** Builds the API app (not listening). Tests use `app.inject()`; the CLI calls `listen`. */
export async function buildApp(config: ApiConfig, deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: config.maxBodyBytes });
  void deps;
  app.get('/healthz', async () => ({ status: 'ok', version: '0.1.0', storage: config.storageMode }));
  return app;
}
