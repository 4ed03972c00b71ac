import { rawSql } from '@cairn/storage/testing';
import { connect } from 'node:http2';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import type { Store } from '@cairn/storage';
import { exportOnce, openTestStore, otlpGrpcExporter } from '@cairn/testkit';
import { buildCollector, RETRY_INFO_TYPE, type Collector, type KeyAuthenticator } from '../src/index.js';
import { chatSession, protoBody, recordSpans } from './otel-fixtures.js';
import { projectWithKeys } from './project-keys.js';

// OTLP/gRPC into a real collector on a real store, sent by the official OpenTelemetry exporter.
let store: Store;
let cleanup: () => Promise<void>;
let collector: Collector;
let url: string;
let httpUrl: string;
let ingestKey: string;
let adminKey: string;
const MAX_BODY = 256 * 1024;
const warnings: string[] = [];

beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
  let authenticate: KeyAuthenticator;
  ({ ingestKey, adminKey, authenticate } = await projectWithKeys(store, 'g1'));
  collector = await buildCollector(
    { host: '127.0.0.1', port: 0, maxBodyBytes: MAX_BODY, batchMaxRows: 1000, batchMaxMs: 50, logLevel: 'silent' },
    { store, authenticate },
  );
  url = `http://127.0.0.1:${await collector.grpc.listen('127.0.0.1', 0)}`;
  httpUrl = (await collector.app.listen({ host: '127.0.0.1', port: 0 })) + '/v1/traces';
  // The exporter reports partial success through the diag logger.
  const note = (...args: unknown[]) => void warnings.push(args.map(String).join(' '));
  diag.setLogger({ error: note, warn: note, info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN);
});
afterAll(async () => {
  diag.disable();
  await collector.close();
  await cleanup();
});

const sessionRows = async (session: string): Promise<number> => {
  await collector.flush();
  return (await rawSql(store).query<{ n: number }>(`SELECT count() AS n FROM spans WHERE session_id = '${session}'`))[0]!.n;
};

describe('OTLP/gRPC receiver', () => {
  it('stores the spans the official exporter sends, gzip-compressed', async () => {
    const exporter = otlpGrpcExporter(url, ingestKey, { gzip: true });
    const result = await exportOnce(exporter, await recordSpans((t) => chatSession(t, 'grpc-gzip')));
    await exporter.shutdown();
    expect(result.error).toBeUndefined();
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(await sessionRows('grpc-gzip')).toBe(2);
    const m = collector.metrics.render();
    expect(m).toMatch(/cairn_otlp_grpc_requests_total\{code="OK"\} [1-9]/);
    // Its phases are counted as HTTP's are, all but `receive` (grpc-js does not say when a message arrived).
    for (const phase of ['queue', 'prepare', 'durable']) {
      expect(m).toMatch(new RegExp(`cairn_otlp_request_phase_seconds_count\\{phase="${phase}"\\} [1-9]`));
    }
    expect(m).not.toMatch(/cairn_otlp_request_phase_seconds_count\{phase="receive"\}/);
  });

  it('decodes a gzip message (grpc-encoding: gzip, compressed flag) sent on the wire', async () => {
    const message = gzipSync(protoBody(await recordSpans((t) => chatSession(t, 'grpc-wire-gzip'))));
    const answer = await rawCall(message, { 'grpc-encoding': 'gzip' }, 1);
    expect(answer.status).toBe('0');
    // Not gzip data under the compressed flag: grpc-js fails to inflate it (INTERNAL), so the flag is honoured.
    const bad = await rawCall(Buffer.from('not gzip at all'), { 'grpc-encoding': 'gzip' }, 1);
    expect(bad.status).toBe('13');
    expect(await sessionRows('grpc-wire-gzip')).toBe(2);
  });

  it('refuses a bad key with UNAUTHENTICATED and an admin key with PERMISSION_DENIED', async () => {
    const spans = await recordSpans((t) => chatSession(t, 'grpc-bad-key'));
    for (const [key, code] of [
      ['cairn_ik_' + 'x'.repeat(32), 16],
      [adminKey, 7],
    ] as const) {
      const exporter = otlpGrpcExporter(url, key);
      const result = await exportOnce(exporter, spans);
      await exporter.shutdown();
      expect(result.code).toBe(ExportResultCode.FAILED);
      expect((result.error as { code?: number }).code).toBe(code);
    }
    expect(await sessionRows('grpc-bad-key')).toBe(0);
  });

  it('answers partial_success for the spans the limits reject and stores the rest', async () => {
    warnings.length = 0;
    const spans = await recordSpans((t) => {
      chatSession(t, 'grpc-partial');
      chatSession(t, 'p'.repeat(5000));
    });
    const exporter = otlpGrpcExporter(url, ingestKey);
    const result = await exportOnce(exporter, spans);
    await exporter.shutdown();
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    const partial = warnings.find((w) => w.includes('Partial Success'));
    expect(partial).toMatch(/"rejectedSpans":"?2"?/);
    expect(partial).toMatch(/session id is 5000 characters/);
    expect(await sessionRows('grpc-partial')).toBe(2);
  });

  it('stores a request sent twice once, over gRPC and then over HTTP too', async () => {
    const spans = await recordSpans((t) => chatSession(t, 'grpc-dedup'));
    const exporter = otlpGrpcExporter(url, ingestKey);
    expect((await exportOnce(exporter, spans)).code).toBe(ExportResultCode.SUCCESS);
    expect((await exportOnce(exporter, spans)).code).toBe(ExportResultCode.SUCCESS);
    await exporter.shutdown();
    const http = await fetch(httpUrl, {
      method: 'POST',
      body: protoBody(spans),
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${ingestKey}` },
    });
    expect(http.status).toBe(200);
    expect(await sessionRows('grpc-dedup')).toBe(2);
  });

  it('refuses a message over the body limit with RESOURCE_EXHAUSTED (no retry info: not retryable)', async () => {
    const big = await recordSpans((t) => chatSession(t, 'grpc-big', { model: 'm'.repeat(10) }), 'x'.repeat(MAX_BODY));
    const exporter = otlpGrpcExporter(url, ingestKey);
    const result = await exportOnce(exporter, big);
    await exporter.shutdown();
    const err = result.error as { code?: number; metadata?: { get(k: string): unknown[] } };
    expect(err.code).toBe(8);
    expect(err.metadata?.get('grpc-status-details-bin') ?? []).toEqual([]);
  });

  it('answers INVALID_ARGUMENT for a body that is not OTLP protobuf', async () => {
    const answer = await rawCall(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), {}, 0);
    expect(answer.status).toBe('3');
    expect(decodeURIComponent(answer.message)).toMatch(/CAIRN_MALFORMED_PROTOBUF/);
  });
});

describe('OTLP/gRPC backpressure', () => {
  it('answers UNAVAILABLE with a RetryInfo delay when the queue is full, and stores what it accepted', async () => {
    const full = await buildCollector(
      {
        host: '127.0.0.1',
        port: 0,
        maxBodyBytes: MAX_BODY,
        batchMaxRows: 1000,
        batchMaxMs: 600_000,
        maxQueuedRows: 2,
        logLevel: 'silent',
      },
      { store, authenticate: async () => ({ projectId: 'g-full', kind: 'ingest' }) },
    );
    try {
      const target = `http://127.0.0.1:${await full.grpc.listen('127.0.0.1', 0)}`;
      const exporter = otlpGrpcExporter(target, ingestKey);
      expect((await exportOnce(exporter, await recordSpans((t) => chatSession(t, 'grpc-full-1')))).code).toBe(
        ExportResultCode.SUCCESS,
      );
      const refused = await exportOnce(exporter, await recordSpans((t) => chatSession(t, 'grpc-full-2')));
      await exporter.shutdown();
      const err = refused.error as { code?: number; details?: string; metadata?: { get(k: string): unknown[] } };
      expect(err.code).toBe(14);
      expect(err.details).toMatch(/CAIRN_OVERLOADED: collector is overloaded \(queue is full/);
      const status = err.metadata?.get('grpc-status-details-bin')[0] as Buffer;
      expect(retryDelaySeconds(status)).toBe(5);
    } finally {
      expect(await full.close()).toBe(true);
    }
    const rows = await rawSql(store).query<{ session_id: string }>("SELECT session_id FROM spans WHERE project_id = 'g-full'");
    expect(rows.map((r) => r.session_id)).toEqual(['grpc-full-1', 'grpc-full-1']);
  });
});

describe('OTLP/gRPC shutdown', () => {
  it('lets a call in flight finish and writes its spans before close resolves', async () => {
    let arrived!: () => void;
    const inHandler = new Promise<void>((r) => (arrived = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const c = await buildCollector(
      { host: '127.0.0.1', port: 0, maxBodyBytes: MAX_BODY, batchMaxRows: 1000, batchMaxMs: 600_000, logLevel: 'silent' },
      {
        store,
        // Holds the call inside the handler until the close has begun.
        authenticate: async () => {
          arrived();
          await gate;
          return { projectId: 'g-close', kind: 'ingest' };
        },
      },
    );
    const exporter = otlpGrpcExporter(`http://127.0.0.1:${await c.grpc.listen('127.0.0.1', 0)}`, ingestKey);
    const call = exportOnce(exporter, await recordSpans((t) => chatSession(t, 'grpc-close')));
    await inHandler;
    const closed = c.close();
    expect(c.grpc.listening).toBe(false);
    release();
    expect((await call).code).toBe(ExportResultCode.SUCCESS);
    expect(await closed).toBe(true);
    await exporter.shutdown();
    const rows = await rawSql(store).query<{ n: number }>("SELECT count() AS n FROM spans WHERE project_id = 'g-close'");
    expect(rows[0]!.n).toBe(2);
  });
});

/** One unary call on a raw HTTP/2 stream: the message framed by hand, with its compressed flag. */
function rawCall(message: Buffer, headers: Record<string, string>, compressed: 0 | 1) {
  return new Promise<{ status: string; message: string }>((resolve, reject) => {
    const session = connect(url);
    session.on('error', reject);
    const frame = Buffer.alloc(5);
    frame[0] = compressed;
    frame.writeUInt32BE(message.length, 1);
    const stream = session.request({
      ':method': 'POST',
      ':path': '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      'content-type': 'application/grpc',
      te: 'trailers',
      authorization: `Bearer ${ingestKey}`,
      ...headers,
    });
    // A trailers-only answer (an error) puts grpc-status in the headers.
    let status: Record<string, unknown> = {};
    stream.on('response', (h) => (status = { ...status, ...h }));
    stream.on('trailers', (t) => (status = { ...status, ...t }));
    stream.on('data', () => undefined);
    stream.on('close', () => {
      session.close();
      resolve({ status: String(status['grpc-status']), message: String(status['grpc-message'] ?? '') });
    });
    stream.on('error', reject);
    stream.end(Buffer.concat([frame, message]));
  });
}

/**
 * The retry delay in a google.rpc.Status's RetryInfo detail, read field by field (a test of the
 * encoding, so not with the encoder's own code).
 */
function retryDelaySeconds(statusBytes: Buffer): number | undefined {
  const fields = (buf: Buffer): [number, Buffer | number][] => {
    const out: [number, Buffer | number][] = [];
    let at = 0;
    const varint = () => {
      let v = 0;
      let shift = 0;
      for (;;) {
        const b = buf[at++]!;
        v += (b & 0x7f) * 2 ** shift;
        shift += 7;
        if (b < 0x80) return v;
      }
    };
    while (at < buf.length) {
      const tag = varint();
      if ((tag & 7) === 0) out.push([tag >>> 3, varint()]);
      else {
        const len = varint();
        out.push([tag >>> 3, buf.subarray(at, at + len)]);
        at += len;
      }
    }
    return out;
  };
  for (const [n, any] of fields(statusBytes)) {
    if (n !== 3) continue;
    const parts = new Map(fields(any as Buffer));
    if ((parts.get(1) as Buffer).toString() !== RETRY_INFO_TYPE) continue;
    const duration = new Map(fields(new Map(fields(parts.get(2) as Buffer)).get(1) as Buffer));
    return duration.get(1) as number;
  }
  return undefined;
}
