import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

/*
 * OpenTelemetry exporters never throw into the application: a refused export (wrong port, a
 * bogus or admin key) only reaches `diag`, which is silent by default. A command whose whole
 * point is to send spans must not report success then, so it exports through this wrapper and
 * checks it after the final flush.
 */

/** One failed export: the collector's HTTP status (when it answered) and what it said. */
export interface ExportFailure {
  status: number | undefined;
  message: string;
  spans: number;
}

// The collector answers protobuf clients with a google.rpc.Status { 1: code, 2: message }.
// The exporter hands over the body as UTF-8 text: read field 2 back out of it.
function statusMessage(body: string): string {
  const bytes = Buffer.from(body, 'utf8');
  let i = 0;
  const varint = (): number => {
    let n = 0;
    for (let shift = 0; i < bytes.length && shift < 35; shift += 7) {
      const b = bytes[i++] as number;
      n |= (b & 0x7f) << shift;
      if (b < 0x80) break;
    }
    return n;
  };
  while (i < bytes.length) {
    const tag = varint();
    if (tag === 0x08) varint();
    else if (tag === 0x12) {
      const len = varint();
      return bytes.subarray(i, i + len).toString('utf8');
    } else break;
  }
  return '';
}

/** The collector's own words from an error body: OTLP/JSON `{ error: { code, message } }` or protobuf Status. */
export function collectorMessage(body: unknown): string {
  if (typeof body !== 'string' || body === '') return '';
  const text = body.trim();
  if (text.startsWith('{')) {
    try {
      const j = JSON.parse(text) as { error?: { code?: string; message?: string }; message?: string };
      if (j.error?.message) return j.error.code ? `${j.error.code}: ${j.error.message}` : j.error.message;
      if (j.message) return j.message;
    } catch {
      // not JSON after all: fall through to the raw text
    }
  }
  const fromProto = statusMessage(body);
  if (fromProto !== '') return fromProto;
  // Printable text only: a proxy's HTML error page is better shown short than not at all.
  return text
    .replace(/[^\x20-\x7e]+/g, ' ')
    .trim()
    .slice(0, 300);
}

/** What went wrong, from the error an OTLP exporter reports (`OTLPExporterError` or a socket error). */
export function describeExportError(err: unknown): Omit<ExportFailure, 'spans'> {
  const e = (err ?? {}) as { code?: unknown; data?: unknown; message?: unknown };
  if (typeof e.code === 'number') {
    const said = collectorMessage(e.data);
    const reason = said || (typeof e.message === 'string' ? e.message : '');
    return { status: e.code, message: `HTTP ${e.code}${reason ? ` ${reason}` : ''}` };
  }
  const msg = err instanceof Error ? err.message : String(err);
  return { status: undefined, message: typeof e.code === 'string' && !msg.includes(e.code) ? `${e.code} ${msg}` : msg };
}

/** Raised by {@link ExportCheck.assertDelivered}: the collector refused or never got some spans. */
export class ExportFailedError extends Error {
  constructor(
    readonly endpoint: string,
    readonly failures: readonly ExportFailure[],
    readonly delivered: number,
  ) {
    const first = failures[0] as ExportFailure;
    const lost = failures.reduce((n, f) => n + f.spans, 0);
    const hint =
      first.status === 401 || first.status === 403
        ? ' — send with an ingest key (cairn_ik_…): --key or CAIRN_INGEST_KEY'
        : first.status === undefined
          ? ' — is the collector running there? (--endpoint, or CAIRN_HOST / CAIRN_OTLP_PORT)'
          : '';
    super(
      `the collector at ${endpoint} did not accept the spans: ${first.message}${hint}` +
        ` (${lost} span${lost === 1 ? '' : 's'} not stored, ${delivered} stored)`,
    );
    this.name = 'ExportFailedError';
  }
}

/** A span exporter that remembers every failed export of the one it wraps. */
export class ExportCheck implements SpanExporter {
  readonly failures: ExportFailure[] = [];
  delivered = 0;

  constructor(
    private readonly inner: SpanExporter,
    /** Shown in the error: where the spans were going. */
    readonly endpoint: string,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code === ExportResultCode.SUCCESS) this.delivered += spans.length;
      else this.failures.push({ ...describeExportError(result.error), spans: spans.length });
      resultCallback(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  /** Throws {@link ExportFailedError} when any export failed; call after the final flush. */
  assertDelivered(): void {
    if (this.failures.length > 0) throw new ExportFailedError(this.endpoint, this.failures, this.delivered);
  }
}

/** OTLP/HTTP protobuf to `endpoint` (`/v1/traces` appended) with `apiKey`, checked. */
export function checkedOtlpExporter(endpoint: string, apiKey: string | undefined): ExportCheck {
  const base = endpoint.replace(/\/+$/, '');
  const url = base.endsWith('/v1/traces') ? base : `${base}/v1/traces`;
  return new ExportCheck(
    new OTLPTraceExporter({ url, ...(apiKey ? { headers: { Authorization: `Bearer ${apiKey}` } } : {}) }),
    base.replace(/\/v1\/traces$/, ''),
  );
}
