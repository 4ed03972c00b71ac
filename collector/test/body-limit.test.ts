import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { openStore, type Store } from '@cairn/storage';
import { buildCollector, type Collector } from '../src/index.js';
import { tempDataDir, streamBody } from '@cairn/testkit';
import { chatSession, recordSpans } from './otel-fixtures.js';

/**
 * Bodies over the limit (issue 9): the collector closed the connection while the client was
 * still sending, so the client saw EPIPE (for an exporter, a retryable network error: it sends
 * the same oversized body again) instead of the 413. The streamed-body cases fail without the
 * drain; the official exporters write their body in one call and, on loopback, read the early
 * answer either way: their cases guard the end-to-end outcome (413 reported, sent once).
 */

/** What an exporter reports; codes of @opentelemetry/core's ExportResultCode (a dependency of the SDK, not of this package). */
type ExportResult = Parameters<Parameters<ProtoExporter['export']>[1]>[0];
const ExportResultCode = { SUCCESS: 0, FAILED: 1 } as const;

const MAX_BODY = 64 * 1024;
const tmp = tempDataDir();
let store: Store;
let collector: Collector;
let url: string;
const ingestKey = 'cairn_ik_' + 'bodylimit'.repeat(3);

beforeAll(async () => {
  store = await openStore({ dataDir: tmp.dir });
  collector = await buildCollector(
    { host: '127.0.0.1', port: 0, maxBodyBytes: MAX_BODY, batchMaxRows: 1000, batchMaxMs: 50, logLevel: 'silent' },
    { store, authenticate: async (k) => (k === ingestKey ? { projectId: 'p1', kind: 'ingest' } : undefined) },
  );
  url = (await collector.app.listen({ host: '127.0.0.1', port: 0 })) + '/v1/traces';
});
afterAll(async () => {
  await collector?.close();
  await store?.close();
  tmp.cleanup();
});

function exportWith(exporter: ProtoExporter | JsonExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

/** A span whose prompt alone is `bytes` long. */
async function bigSpans(sessionId: string, bytes: number): Promise<ReadableSpan[]> {
  return recordSpans((t) => {
    const s = t.startSpan('chat big', {
      attributes: {
        'gen_ai.conversation.id': sessionId,
        'gen_ai.operation.name': 'chat',
        'gen_ai.input.messages': 'x'.repeat(bytes),
      },
    });
    s.end();
  });
}

const requestsWith = (status: string): number => {
  const m = new RegExp(`cairn_otlp_requests_total\\{status="${status}"\\} (\\d+)`).exec(collector.metrics.render());
  return m ? Number(m[1]) : 0;
};

describe('an oversized export gets a readable, final 413', () => {
  for (const [name, make] of [
    ['protobuf', () => new ProtoExporter({ url, headers: { authorization: `Bearer ${ingestKey}` }, timeoutMillis: 10_000 })],
    ['JSON', () => new JsonExporter({ url, headers: { authorization: `Bearer ${ingestKey}` }, timeoutMillis: 10_000 })],
  ] as const) {
    it(`the official ${name} exporter reports HTTP 413, sent once, not a network error`, async () => {
      const before = requestsWith('413');
      const exporter = make();
      const result = await exportWith(exporter, await bigSpans(`big-${name}`, 8 * 1024 * 1024));
      expect(result.code).toBe(ExportResultCode.FAILED);
      const err = result.error as Error & { code?: number; data?: string };
      expect(err.message, String(err)).not.toMatch(/EPIPE|ECONNRESET|socket hang up/);
      expect(err.code, String(err)).toBe(413);
      expect(err.data ?? '').toMatch(/CAIRN_PAYLOAD_TOO_LARGE/);
      // Final: the exporter did not send the same body again.
      expect(requestsWith('413') - before).toBe(1);
      // The next, normal export goes through on the same exporter.
      const ok = await exportWith(exporter, await recordSpans((t) => chatSession(t, `after-${name}`)));
      expect(ok.code, String(ok.error)).toBe(ExportResultCode.SUCCESS);
      await exporter.shutdown();
    });
  }

  for (const withLength of [true, false]) {
    it(`a raw streamed body (${withLength ? 'Content-Length' : 'chunked'}) reads the 413, no EPIPE`, async () => {
      const r = await streamBody(
        url,
        8 * 1024 * 1024,
        { 'content-type': 'application/json', authorization: `Bearer ${ingestKey}` },
        withLength,
      );
      expect(r.clientError).toBeUndefined();
      expect(r.status).toBe(413);
      expect(r.body).toMatch(/CAIRN_PAYLOAD_TOO_LARGE/);
    });
  }

  it('an early refusal (unknown key) of a large body is readable too', async () => {
    const r = await streamBody(
      url,
      4 * 1024 * 1024,
      { 'content-type': 'application/x-protobuf', authorization: 'Bearer nope' },
      true,
    );
    expect(r.clientError).toBeUndefined();
    expect(r.status).toBe(401);
  });
});
