import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { CairnError, DEFAULT_PRICE_BOOK } from '@cairn/schemas';
import { decodeTraceRequestJson } from '../src/otlp/otlp-json.js';
import { decodeTraceRequestProto } from '../src/otlp/otlp-proto.js';
import { normalizeSpan } from '../src/normalize/normalize.js';
import type { DecodedSpan } from '../src/otlp/decoded.js';
import { recordWithSdk, toJsonBody, toProto } from './otlp-fixtures.js';
import { seededRandom } from '@cairn/testkit';

async function validRequest(): Promise<Uint8Array> {
  const spans = await recordWithSdk((tracer) => {
    const root = tracer.startSpan('root', {
      attributes: { 'gen_ai.conversation.id': 'c', list: ['a', 'b'], n: 3, f: 0.5, ok: true },
    });
    const child = tracer.startSpan(
      'chat',
      { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 10 } },
      trace.setSpan(context.active(), root),
    );
    child.addEvent('cairn.state', { 'cairn.state.json': '{"a":1}' });
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'x' });
    child.end();
    root.end();
  });
  return toProto(spans);
}

type Outcome = 'ok' | 'malformed';

/** Decodes and normalizes; only CairnError(CAIRN_MALFORMED_PROTOBUF) may escape the decoder. */
function attempt(buf: Uint8Array): Outcome {
  let spans: DecodedSpan[];
  try {
    spans = decodeTraceRequestProto(buf);
  } catch (err) {
    if (!(err instanceof CairnError) || err.code !== 'CAIRN_MALFORMED_PROTOBUF') {
      throw new Error(`decoder threw something else for ${Buffer.from(buf).toString('hex')}: ${String(err)}`);
    }
    return 'malformed';
  }
  expect(Array.isArray(spans)).toBe(true);
  for (const s of spans) {
    expect(typeof s.traceId).toBe('string');
    expect(s.traceId.length).toBeLessThanOrEqual(64);
    expect(typeof s.startNs).toBe('bigint');
    // The normalizer must answer a row or a reason for whatever the decoder let through.
    const r = normalizeSpan(s, { projectId: 'p', priceBook: DEFAULT_PRICE_BOOK });
    expect('row' in r || 'rejected' in r).toBe(true);
  }
  return 'ok';
}

describe('protobuf decoder fuzz (seeded)', () => {
  it('never throws anything but CAIRN_MALFORMED_PROTOBUF on random bytes', () => {
    const rand = seededRandom(1);
    const seen = { ok: 0, malformed: 0 };
    for (let i = 0; i < 2000; i++) {
      const buf = new Uint8Array(Math.floor(rand() * 300));
      for (let j = 0; j < buf.length; j++) buf[j] = Math.floor(rand() * 256);
      seen[attempt(buf)]++;
    }
    expect(seen.malformed).toBeGreaterThan(0);
  });

  it('handles every truncation of a valid request', async () => {
    const valid = await validRequest();
    expect(attempt(valid)).toBe('ok');
    let malformed = 0;
    for (let n = 0; n < valid.length; n++) if (attempt(valid.subarray(0, n)) === 'malformed') malformed++;
    // Most prefixes cut a message short; a prefix ending exactly between top-level fields is valid.
    expect(malformed).toBeGreaterThan(valid.length / 2);
  });

  it('handles bit flips, byte overwrites and splices of a valid request', async () => {
    const valid = await validRequest();
    const rand = seededRandom(42);
    const seen = { ok: 0, malformed: 0 };
    for (let i = 0; i < 3000; i++) {
      let buf = Uint8Array.from(valid);
      const mode = i % 3;
      if (mode === 0) {
        const flips = 1 + Math.floor(rand() * 3);
        for (let f = 0; f < flips; f++) {
          const at = Math.floor(rand() * buf.length);
          buf[at] = (buf[at] as number) ^ (1 << Math.floor(rand() * 8));
        }
      } else if (mode === 1) {
        buf[Math.floor(rand() * buf.length)] = [0xff, 0x80, 0x00, 0x7f][Math.floor(rand() * 4)] as number;
      } else {
        const from = Math.floor(rand() * buf.length);
        const to = Math.min(buf.length, from + Math.floor(rand() * 16));
        buf = Uint8Array.from([...buf.subarray(0, from), ...buf.subarray(to), ...buf.subarray(from, to)]);
      }
      seen[attempt(buf)]++;
    }
    expect(seen.ok).toBeGreaterThan(0);
    expect(seen.malformed).toBeGreaterThan(0);
  });

  it('answers hostile lengths and long varints with CAIRN_MALFORMED_PROTOBUF', () => {
    expect(attempt(Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]))).toBe('malformed');
    expect(attempt(Uint8Array.from([0x08, ...new Array<number>(64).fill(0x80)]))).toBe('malformed');
    expect(attempt(Uint8Array.from([0x0a, 0x05, 0x12, 0x03, 0x12, 0x7f, 0x00]))).toBe('malformed');
  });
});

describe('JSON decoder fuzz (seeded)', () => {
  it('never throws anything but CAIRN_MALFORMED_JSON on mutated requests', async () => {
    const spans = await recordWithSdk((tracer) => {
      tracer.startSpan('a', { attributes: { k: 'v', n: 1, l: [1, 2] } }).end();
    });
    const text = JSON.stringify(toJsonBody(spans));
    const rand = seededRandom(7);
    const junk = ['null', '1', '"x"', '[]', '{}', 'true', '[{}]', '{"values":5}', '"-1"'];
    let malformed = 0;
    for (let i = 0; i < 2000; i++) {
      // Replace one JSON value (after a ':' or inside an array) with junk of another type.
      const positions: number[] = [];
      for (let j = 0; j < text.length; j++) if (text[j] === ':' || text[j] === '[') positions.push(j + 1);
      const at = positions[Math.floor(rand() * positions.length)] as number;
      let end = at;
      let depth = 0;
      for (; end < text.length; end++) {
        const ch = text[end];
        if (ch === '{' || ch === '[') depth++;
        else if (ch === '}' || ch === ']') {
          if (depth === 0) break;
          depth--;
        } else if (ch === ',' && depth === 0) break;
      }
      const mutated = text.slice(0, at) + (junk[Math.floor(rand() * junk.length)] as string) + text.slice(end);
      let body: unknown;
      try {
        body = JSON.parse(mutated);
      } catch {
        continue;
      }
      try {
        for (const s of decodeTraceRequestJson(body)) normalizeSpan(s, { projectId: 'p', priceBook: DEFAULT_PRICE_BOOK });
      } catch (err) {
        if (!(err instanceof CairnError) || err.code !== 'CAIRN_MALFORMED_JSON') throw err;
        malformed++;
      }
    }
    expect(malformed).toBeGreaterThan(0);
  });
});
