import type { FastifyInstance } from 'fastify';
import type { AlertEngine, AlertEngineConfig } from '@cairn/alerts';
import type { Store } from '@cairn/storage';
import { makeTestApp, makeTestProject, type TestProject } from './api-app.js';
import { openTestStore } from './temp-store.js';
import { send } from './webhook-receiver.js';
import { startReceiver, type Receiver } from './webhook-receiver.js';

export interface TestEngineOptions {
  /** The project the test works in (created with an admin and an ingest key). */
  projectId: string;
  /** What every `engine()` starts from; `engine(over)` changes a few settings. */
  config: AlertEngineConfig;
  /** The engines' clock in epoch milliseconds: the test moves time by changing what it returns. */
  clock?: () => number;
}

/** A store, a project, the API on it, a webhook receiver and engines driven by the test. */
export interface TestEngine {
  store: Store;
  project: TestProject;
  /** The API on the same store (private webhook targets allowed: the receiver is on 127.0.0.1). */
  app: FastifyInstance;
  receiver: Receiver;
  /**
   * Creates a webhook through the API (as a user would) pointing at `url` (the receiver by
   * default) and returns its id and signing secret; throws unless the API answered 201.
   */
  hook(name?: string, url?: string): Promise<{ id: string; secret: string }>;
  /** A new engine (not started: the test calls `runOnce`); stopped by `close`. */
  engine(over?: Partial<AlertEngineConfig>): AlertEngine;
  /** Stops every engine, then closes the API, the receiver and the store. */
  close(): Promise<void>;
}

/**
 * The setup of the alert engine's tests: a temporary store (`openTestStore`), a project, the
 * API to create budgets, webhooks and queues through (as a user would), a real HTTP receiver on
 * 127.0.0.1 and engines on the test's clock, ticking only when the test calls `runOnce`.
 */
export async function startTestEngine(opts: TestEngineOptions): Promise<TestEngine> {
  const { createAlertEngine } = await import('@cairn/alerts');
  const { store, cleanup } = await openTestStore({}, 'cairn-engine-test-');
  const engines: AlertEngine[] = [];
  const project = await makeTestProject(store, opts.projectId);
  const app = await makeTestApp(store, { webhookAllowPrivate: true });
  const receiver = await startReceiver();
  return {
    store,
    project,
    app,
    receiver,
    async hook(name = 'test hook', url = receiver.url) {
      const res = await send(app, 'POST', '/api/webhooks', project.admin, { url, name });
      if (res.status !== 201) throw new Error(`creating webhook "${name}": ${res.status} ${JSON.stringify(res.body)}`);
      return { id: res.body.webhook.id as string, secret: res.body.secret as string };
    },
    engine(over = {}) {
      const e = createAlertEngine({ ...opts.config, ...over }, { store, ...(opts.clock ? { clock: opts.clock } : {}) });
      engines.push(e);
      return e;
    },
    async close() {
      for (const e of engines) await e.stop();
      await app.close();
      await receiver.close();
      await cleanup();
    },
  };
}
