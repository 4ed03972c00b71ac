import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { PRICE_TABLE, type PriceList } from '@cairn/schemas';
import type { Store } from '@cairn/storage';
import { getJson, makeApp, makeProject, openTempStore, type TestProject } from './helpers.js';

let store: Store;
let cleanup: () => Promise<void>;
let app: FastifyInstance;
let p: TestProject;

beforeAll(async () => {
  ({ store, cleanup } = await openTempStore());
  p = await makeProject(store, 'proj-prices');
  app = await makeApp(store);
});

afterAll(async () => {
  await app?.close();
  await cleanup?.();
});

describe('GET /api/prices', () => {
  it('answers the price table the collector uses, in match order, in USD per million tokens', async () => {
    const { status, body } = await getJson<PriceList>(app, '/api/prices', p.admin);
    expect(status).toBe(200);
    expect(body.prices).toHaveLength(PRICE_TABLE.length);
    expect(body.prices.map((x) => x.pattern)).toEqual(PRICE_TABLE.map((x) => x.pattern));
    const gpt4o = body.prices.find((x) => x.model === 'gpt-4o')!;
    const shipped = PRICE_TABLE.find((x) => x.model === 'gpt-4o')!;
    expect(gpt4o).toEqual({
      provider: 'openai',
      model: 'gpt-4o',
      pattern: shipped.pattern,
      input_usd_per_mtok: shipped.input,
      output_usd_per_mtok: shipped.output,
      cache_read_usd_per_mtok: shipped.cacheRead,
      cache_write_usd_per_mtok: shipped.cacheWrite,
      taken: shipped.taken,
    });
    for (const row of body.prices) {
      expect(Object.keys(row).sort()).toEqual(Object.keys(gpt4o).sort());
      expect(row.taken).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(() => new RegExp(row.pattern)).not.toThrow();
    }
  });

  it('is an admin route: 401 without a key, 403 for an ingest key', async () => {
    const none = await app.inject({ method: 'GET', url: '/api/prices' });
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe('CAIRN_UNAUTHORIZED');
    const ingest = await getJson(app, '/api/prices', p.ingest);
    expect(ingest.status).toBe(403);
    expect(ingest.body.error.code).toBe('CAIRN_FORBIDDEN');
  });

  it('is documented with its schema in the OpenAPI document', async () => {
    const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const schema = spec.paths['/api/prices'].get.responses['200'].content['application/json'].schema;
    expect(Object.keys(schema.properties.prices.items.properties)).toContain('cache_write_usd_per_mtok');
  });
});
