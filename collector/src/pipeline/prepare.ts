import { CairnError, type PriceBook } from '@cairn/schemas';
// The encoder alone: the package's index loads chDB's native engine, which must stay on the
// main thread (a worker that loaded it and then stopped would take the engine down with it).
import { encodeSpanLines } from '@cairn/storage/encode';
import { spanKeys } from './dedup.js';
import { normalizeSpans } from '../normalize/normalize-batch.js';
import { decodeTraceRequestJson } from '../otlp/otlp-json.js';
import { decodeTraceRequestProto } from '../otlp/otlp-proto.js';

export type OtlpFormat = 'protobuf' | 'json';

/** One OTLP request made ready for the writer: everything but the dedup check and the queue. */
export interface PreparedRequest {
  /** Spans in the request. */
  spans: number;
  /** Spans the normalizer accepted: the lines of `body`, in order. */
  rows: number;
  /** Their insert lines (`encodeSpanLines`). */
  body: Buffer;
  /** Dedup fingerprints, three words per row (`spanKeys`). */
  keys: Uint32Array;
  /** Rejection reason → number of spans, for OTLP partial_success. */
  rejected: [string, number][];
  /** Wall milliseconds `prepareRequest` ran, in the thread that ran it (the request's `prepare` phase). */
  prepareMs: number;
}

/**
 * Decodes, normalizes (the whole request at once: spans inherit session, agent and user from
 * their ancestors in it) and encodes one decompressed OTLP body. Pure and synchronous, so it
 * runs the same in an ingest worker or on the event loop.
 * @throws CairnError `CAIRN_MALFORMED_PROTOBUF` / `CAIRN_MALFORMED_JSON` for a bad body.
 */
export function prepareRequest(raw: Uint8Array, format: OtlpFormat, projectId: string, priceBook: PriceBook): PreparedRequest {
  const started = performance.now();
  const spans = format === 'protobuf' ? decodeTraceRequestProto(raw) : decodeTraceRequestJson(parseJson(raw));
  const normalized = normalizeSpans(spans, { projectId, priceBook });
  const reasons = new Map<string, number>();
  for (const reason of normalized.rejected) reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  return {
    spans: spans.length,
    rows: normalized.rows.length,
    body: encodeSpanLines(normalized.rows),
    keys: spanKeys(projectId, normalized.rows),
    rejected: [...reasons],
    prepareMs: performance.now() - started,
  };
}

function parseJson(raw: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8'));
  } catch (err) {
    throw new CairnError('CAIRN_MALFORMED_JSON', `body is not valid JSON: ${(err as Error).message}`);
  }
}
