import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import protobuf from 'protobufjs/minimal.js';
import { describe, expect, it } from 'vitest';
import { CairnError } from '@cairn/schemas';
import { decodeTraceRequestJson } from '../src/otlp/otlp-json.js';
import { decodeTraceRequestProto } from '../src/otlp/otlp-proto.js';
import type { DecodedSpan } from '../src/otlp/decoded.js';
import { handMadeSpan, hrToNs, recordWithSdk, toJsonBody, toProto } from './otlp-fixtures.js';

async function sampleSpans(): Promise<ReadableSpan[]> {
  return recordWithSdk(
    (tracer) => {
      const root = tracer.startSpan('invoke_agent planner', {
        kind: SpanKind.SERVER,
        attributes: { 'gen_ai.conversation.id': 'conv-1', 'gen_ai.agent.name': 'planner' },
      });
      const child = tracer.startSpan(
        'chat gpt-4o',
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.usage.input_tokens': 1234,
            'gen_ai.request.temperature': 0.25,
            'gen_ai.request.stream': false,
            'gen_ai.response.finish_reasons': ['stop', 'length'],
            'cairn.scores': [1, 2, 3],
            'unicode.text': 'héllo → 世界 🌍',
          },
        },
        trace.setSpan(context.active(), root),
      );
      child.addEvent('cairn.state', { 'cairn.state.json': '{"step":1}', 'cairn.step': 7 });
      child.addEvent('exception', { 'exception.message': 'boom' });
      child.setStatus({ code: SpanStatusCode.ERROR, message: 'rate limited' });
      child.end();
      root.setStatus({ code: SpanStatusCode.OK });
      root.end();
    },
    { 'service.name': 'decoder-test', 'deployment.environment.name': 'test' },
  );
}

/** What every decoder must produce for a span, computed from the SDK's own span. */
function expected(s: ReadableSpan): DecodedSpan {
  return {
    traceId: s.spanContext().traceId,
    spanId: s.spanContext().spanId,
    parentSpanId: s.parentSpanContext?.spanId ?? '',
    name: s.name,
    spanKind: s.kind + 1,
    startNs: hrToNs(s.startTime),
    endNs: hrToNs(s.endTime),
    attributes: s.attributes as DecodedSpan['attributes'],
    events: s.events.map((e) => ({
      name: e.name,
      timeNs: hrToNs(e.time),
      attributes: (e.attributes ?? {}) as DecodedSpan['attributes'],
    })),
    statusCode: s.status.code,
    statusMessage: s.status.message ?? '',
    resource: s.resource.attributes as DecodedSpan['attributes'],
    scopeName: s.instrumentationScope.name,
    scopeVersion: s.instrumentationScope.version ?? '',
  };
}

describe('decodeTraceRequestProto on requests from the OpenTelemetry JS serializer', () => {
  it('decodes every field of real SDK spans', async () => {
    const spans = await sampleSpans();
    const decoded = decodeTraceRequestProto(toProto(spans));
    expect(decoded).toHaveLength(2);
    for (const s of spans) {
      const d = decoded.find((x) => x.spanId === s.spanContext().spanId);
      expect(d).toEqual(expected(s));
    }
    const child = decoded.find((d) => d.name === 'chat gpt-4o') as DecodedSpan;
    expect(child.parentSpanId).toMatch(/^[0-9a-f]{16}$/);
    expect(child.spanKind).toBe(3);
    expect(child.statusCode).toBe(2);
    expect(child.statusMessage).toBe('rate limited');
    expect(child.attributes['unicode.text']).toBe('héllo → 世界 🌍');
    expect(child.attributes['gen_ai.usage.input_tokens']).toBe(1234);
    expect(child.events[0]?.attributes['cairn.step']).toBe(7);
    expect(typeof child.startNs).toBe('bigint');
    expect(child.resource['service.name']).toBe('decoder-test');
    // All spans of a resource share one attributes object (the normalizer caches its JSON).
    expect(decoded[0]?.resource).toBe(decoded[1]?.resource);
  });

  it('decodes maps, bytes and nested arrays', async () => {
    const [base] = await sampleSpans();
    const span = handMadeSpan(
      {
        'a.map': { x: 1, y: 'two', z: { deep: [true, 2.5] } },
        'a.bytes': new Uint8Array([0, 1, 2, 250, 255]),
        'a.empty': [],
      },
      base as ReadableSpan,
    );
    const [d] = decodeTraceRequestProto(toProto([span]));
    expect(d?.attributes).toEqual({
      'a.map': { x: 1, y: 'two', z: { deep: [true, 2.5] } },
      'a.bytes': Buffer.from([0, 1, 2, 250, 255]).toString('base64'),
      'a.empty': [],
    });
    expect(d?.traceId).toBe('aa'.repeat(16));
    expect(d?.startNs).toBe(1_700_000_000_000_000_005n);
    expect(d?.scopeName).toBe('hand');
    const [j] = decodeTraceRequestJson(toJsonBody([span]));
    expect(j).toEqual(d);
  });

  it('returns no spans for an empty body', () => {
    expect(decodeTraceRequestProto(new Uint8Array(0))).toEqual([]);
  });
});

/** Hand-encoded messages for cases the official serializer never produces. */
function msg(write: (w: protobuf.Writer) => void): Uint8Array {
  const w = protobuf.Writer.create();
  write(w);
  return w.finish();
}
const field = (w: protobuf.Writer, n: number, wire: number): protobuf.Writer => w.uint32((n << 3) | wire);
const fixed64 = (w: protobuf.Writer, v: bigint): protobuf.Writer => w.fixed32(Number(v & 0xffffffffn)).fixed32(Number(v >> 32n));
const sub = (w: protobuf.Writer, n: number, bytes: Uint8Array): protobuf.Writer => field(w, n, 2).bytes(bytes);

describe('decodeTraceRequestProto on hand-encoded messages', () => {
  const kv = (key: string, value: (w: protobuf.Writer) => void): Uint8Array =>
    msg((w) => {
      field(w, 1, 2).string(key);
      sub(w, 2, msg(value));
    });

  it('skips unknown fields of every wire type, takes the scope and resource wherever they appear', () => {
    const span = msg((w) => {
      field(w, 99, 0).uint64(123456789);
      field(w, 98, 1).fixed64(1);
      field(w, 97, 5).fixed32(1);
      field(w, 96, 2).string('unknown');
      field(w, 95, 3); // a group with a nested varint, then its end tag
      field(w, 1, 0).uint32(5);
      field(w, 95, 4);
      sub(w, 1, new Uint8Array(16).fill(0x1f));
      sub(w, 2, new Uint8Array(8).fill(0xab));
      field(w, 5, 2).string('s');
      fixed64(field(w, 7, 1), 1_700_000_000_000_000_000n);
      fixed64(field(w, 8, 1), 1_700_000_000_000_000_999n);
      sub(
        w,
        9,
        kv('big.int', (v) => field(v, 3, 0).int64('9007199254740993')),
      );
      sub(
        w,
        9,
        kv('neg.int', (v) => field(v, 3, 0).int64(-42)),
      );
      sub(
        w,
        9,
        kv('dup', (v) => field(v, 1, 2).string('first')),
      );
      sub(
        w,
        9,
        kv('dup', (v) => field(v, 1, 2).string('second')),
      );
      sub(
        w,
        9,
        kv('__proto__', (v) => field(v, 1, 2).string('not a prototype')),
      );
    });
    const body = msg((w) => {
      sub(
        w,
        1,
        msg((rs) => {
          sub(
            rs,
            2,
            msg((ss) => {
              sub(ss, 2, span);
              sub(
                ss,
                1,
                msg((sc) => field(sc, 1, 2).string('late-scope')),
              );
            }),
          );
          sub(
            rs,
            1,
            msg((r) =>
              sub(
                r,
                1,
                kv('service.name', (v) => field(v, 1, 2).string('late-resource')),
              ),
            ),
          );
        }),
      );
    });
    const [d] = decodeTraceRequestProto(body);
    expect(d?.traceId).toBe('1f'.repeat(16));
    expect(d?.spanId).toBe('ab'.repeat(8));
    expect(d?.startNs).toBe(1_700_000_000_000_000_000n);
    expect(d?.endNs).toBe(1_700_000_000_000_000_999n);
    expect(d?.attributes['big.int']).toBe(9007199254740993n);
    expect(d?.attributes['neg.int']).toBe(-42);
    expect(d?.attributes.dup).toBe('second');
    expect(Object.getPrototypeOf(d?.attributes)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(d?.attributes, '__proto__')?.value).toBe('not a prototype');
    expect(d?.scopeName).toBe('late-scope');
    expect(d?.resource['service.name']).toBe('late-resource');
  });

  it('passes ids of a wrong length on as hex for the normalizer to reject', () => {
    const body = msg((w) =>
      sub(
        w,
        1,
        msg((rs) =>
          sub(
            rs,
            2,
            msg((ss) =>
              sub(
                ss,
                2,
                msg((s) => sub(s, 1, new Uint8Array([1, 2, 3]))),
              ),
            ),
          ),
        ),
      ),
    );
    const [d] = decodeTraceRequestProto(body);
    expect(d?.traceId).toBe('010203');
    expect(d?.spanId).toBe('');
  });

  function expectMalformed(buf: Uint8Array, message: RegExp): void {
    let caught: unknown;
    try {
      decodeTraceRequestProto(buf);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(CairnError);
    expect((caught as CairnError).code).toBe('CAIRN_MALFORMED_PROTOBUF');
    expect((caught as CairnError).message).toMatch(message);
  }

  it('rejects a wrong wire type for a known field', () => {
    expectMalformed(
      msg((w) => field(w, 1, 0).uint32(1)),
      /resource_spans has wire type varint/,
    );
  });

  it('rejects a length beyond the buffer without allocating it', () => {
    expectMalformed(Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x07, 0x00]), /declares 2147483647 bytes/);
  });

  it('rejects a nested length that overruns its parent message', () => {
    // resource_spans of 3 bytes holding a scope_spans that claims 10
    expectMalformed(
      Uint8Array.from([0x0a, 0x03, 0x12, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
      /ScopeSpans declares 10 bytes but only 1 remain/,
    );
  });

  it('rejects attribute values nested too deep instead of overflowing the stack', () => {
    let value = msg((v) => field(v, 1, 2).string('leaf'));
    for (let i = 0; i < 200; i++) {
      const inner = value;
      value = msg((v) =>
        sub(
          v,
          5,
          msg((arr) => sub(arr, 1, inner)),
        ),
      );
    }
    const body = msg((w) =>
      sub(
        w,
        1,
        msg((rs) =>
          sub(
            rs,
            2,
            msg((ss) =>
              sub(
                ss,
                2,
                msg((s) =>
                  sub(
                    s,
                    9,
                    msg((k) => {
                      field(k, 1, 2).string('deep');
                      sub(k, 2, value);
                    }),
                  ),
                ),
              ),
            ),
          ),
        ),
      ),
    );
    expectMalformed(body, /nested deeper than 32/);
  });

  it('rejects field number 0, end-group without start and wire types 6/7', () => {
    expectMalformed(Uint8Array.from([0x00, 0x00]), /field number 0/);
    expectMalformed(Uint8Array.from([0x14]), /invalid wire type 4/);
    expectMalformed(Uint8Array.from([0x16, 0x00]), /invalid wire type 6/);
  });
});

describe('decodeTraceRequestJson', () => {
  it('decodes the official JSON serializer output to the same spans as protobuf', async () => {
    const spans = await sampleSpans();
    const fromJson = decodeTraceRequestJson(toJsonBody(spans));
    const fromProto = decodeTraceRequestProto(toProto(spans));
    expect(fromJson).toEqual(fromProto);
    for (const s of spans) expect(fromJson.find((x) => x.spanId === s.spanContext().spanId)).toEqual(expected(s));
  });

  it('accepts 64-bit values as strings or numbers, enum names, upper-case and base64 ids', () => {
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
          scopeSpans: [
            {
              scope: { name: 'sc', version: '9' },
              spans: [
                {
                  traceId: 'ABCDEF0123456789ABCDEF0123456789',
                  spanId: Buffer.from('0102030405060708', 'hex').toString('base64'),
                  parentSpanId: '',
                  name: 'n',
                  kind: 'SPAN_KIND_CLIENT',
                  startTimeUnixNano: '1700000000000000001',
                  endTimeUnixNano: 1700000000000,
                  attributes: [
                    { key: 'i', value: { intValue: '-9223372036854775808' } },
                    { key: 'j', value: { intValue: 7 } },
                    { key: 'd', value: { doubleValue: 'NaN' } },
                    { key: 'b', value: { bytesValue: 'AAE=' } },
                    {
                      key: 'kv',
                      value: {
                        kvlistValue: { values: [{ key: 'x', value: { arrayValue: { values: [{ boolValue: true }] } } }] },
                      },
                    },
                    { key: 'empty', value: {} },
                  ],
                  events: [{ name: 'e', timeUnixNano: '5', attributes: [] }],
                  status: { code: 2, message: 'bad' },
                  unknownField: { ignored: true },
                },
              ],
            },
          ],
        },
      ],
    };
    const [d] = decodeTraceRequestJson(body);
    expect(d?.traceId).toBe('abcdef0123456789abcdef0123456789');
    expect(d?.spanId).toBe('0102030405060708');
    expect(d?.spanKind).toBe(3);
    expect(d?.startNs).toBe(1700000000000000001n);
    expect(d?.endNs).toBe(1700000000000n);
    expect(d?.attributes.i).toBe(-9223372036854775808n);
    expect(d?.attributes.j).toBe(7);
    expect(Number.isNaN(d?.attributes.d)).toBe(true);
    expect(d?.attributes.b).toBe('AAE=');
    expect(d?.attributes.kv).toEqual({ x: [true] });
    expect(d?.attributes.empty).toBeNull();
    expect(d?.events).toEqual([{ name: 'e', timeNs: 5n, attributes: {} }]);
    expect(d?.statusCode).toBe(2);
    expect(d?.scopeName).toBe('sc');
    expect(d?.resource).toEqual({ 'service.name': 'svc' });
  });

  it('returns no spans for an empty request', () => {
    expect(decodeTraceRequestJson({})).toEqual([]);
    expect(decodeTraceRequestJson({ resourceSpans: [] })).toEqual([]);
  });

  it.each([
    ['a non-object body', [1, 2], /body must be a JSON object/],
    ['resourceSpans not an array', { resourceSpans: {} }, /resourceSpans must be an array/],
    ['a span that is not an object', { resourceSpans: [{ scopeSpans: [{ spans: ['x'] }] }] }, /spans\[0\] must be an object/],
    [
      'a bad timestamp',
      { resourceSpans: [{ scopeSpans: [{ spans: [{ startTimeUnixNano: '12abc' }] }] }] },
      /startTimeUnixNano must be a decimal/,
    ],
    [
      'a negative timestamp',
      { resourceSpans: [{ scopeSpans: [{ spans: [{ endTimeUnixNano: -1 }] }] }] },
      /endTimeUnixNano must be a non-negative/,
    ],
    [
      'a non-string key',
      { resourceSpans: [{ scopeSpans: [{ spans: [{ attributes: [{ key: 1 }] }] }] }] },
      /key must be a string/,
    ],
    [
      'an intValue out of range',
      { resourceSpans: [{ resource: { attributes: [{ key: 'k', value: { intValue: '99999999999999999999' } }] } }] },
      /out of the int64 range/,
    ],
    ['a bad enum', { resourceSpans: [{ scopeSpans: [{ spans: [{ kind: 'SPAN_KIND_NOPE' }] }] }] }, /kind must be an enum/],
  ])('rejects %s with CAIRN_MALFORMED_JSON', (_label, body, message) => {
    let caught: unknown;
    try {
      decodeTraceRequestJson(body);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(CairnError);
    expect((caught as CairnError).code).toBe('CAIRN_MALFORMED_JSON');
    expect((caught as CairnError).message).toMatch(message);
  });
});
