import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { openStore, type Store } from '@cairn/storage';

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

export const bearer = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });

/** GET with a key; returns status and parsed JSON. */
export async function getJson<T = any>(app: FastifyInstance, url: string, key: string): Promise<{ status: number; body: T }> {
  const res = await app.inject({ method: 'GET', url, headers: bearer(key) });
  return { status: res.statusCode, body: res.body === '' ? (undefined as T) : (JSON.parse(res.body) as T) };
}

// The API app and a project with keys are built by the test kit (the engine's tests use them too).
export { makeTestApp as makeApp, makeTestProject as makeProject } from '@cairn/testkit';
export type { TestProject } from '@cairn/testkit';
export { BASE_NS, MS, makeSpanRow as span } from '@cairn/testkit';

/**
 * The store, telling `seen` of each read statement it is asked to run (its SQL and its result):
 * `query` and the raw `read.exec` the replay's steps use. Everything else is the store itself.
 */
export function watchStatements(real: Store, seen: (sql: string, result: Promise<unknown>) => void): Store {
  const raw = real as Store & {
    query: (sql: string, ...a: unknown[]) => Promise<unknown>;
    read: { exec: (p: { query: string }) => Promise<unknown> };
  };
  const read = Object.create(raw.read) as typeof raw.read;
  read.exec = (p) => {
    const result = raw.read.exec(p);
    seen(p.query, result);
    return result;
  };
  const query = (sql: string, ...a: unknown[]) => {
    const result = raw.query(sql, ...a);
    seen(sql, result);
    return result;
  };
  return { ...raw, read, query } as Store;
}
