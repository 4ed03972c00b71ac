import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { SpanRow } from '@cairn/schemas';
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

export const BASE_NS = 1_760_000_000_000_000_000n;
export const MS = 1_000_000n;

/** A span row with neutral defaults; tests override what they assert on. */
export function span(over: Partial<SpanRow> & Pick<SpanRow, 'session_id' | 'span_id'>): SpanRow {
  return {
    project_id: 'default',
    trace_id: 'f'.repeat(32),
    parent_span_id: '',
    name: 'step',
    kind: 'step',
    agent_name: '',
    workflow: '',
    user_id: '',
    service_name: 'test-svc',
    autonomy_level: '',
    start_time_ns: BASE_NS,
    end_time_ns: BASE_NS + 10n * MS,
    status: 'ok',
    status_message: '',
    model: '',
    provider: '',
    input_tokens: 0,
    output_tokens: 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    cost_usd: 0,
    cost_source: 'none',
    confidence: null,
    tool_name: '',
    tool_call_key: '',
    input: '',
    output: '',
    state: '',
    has_escalation: false,
    has_limit_hit: false,
    attributes: '{}',
    resource_attributes: '{}',
    events: '[]',
    ...over,
  };
}
