import protobuf from 'protobufjs/minimal.js';
import { CairnError } from '@cairn/schemas';
import type { AttrValue, Attributes, DecodedEvent, DecodedSpan } from './decoded.js';
import { setAttr } from './otlp-common.js';

type Reader = protobuf.Reader;

/*
 * A hand-written decoder of OTLP `ExportTraceServiceRequest` straight into flat DecodedSpans,
 * without building the intermediate protobuf object tree. Field numbers follow
 * opentelemetry-proto (collector/trace/v1, trace/v1, common/v1, resource/v1).
 *
 * Safety: every nested message narrows `reader.len` to its own end, so no read can run past a
 * declared length, and a declared length is checked against the bytes actually present before
 * anything is read or allocated. AnyValue nesting is capped at MAX_DEPTH. Anything wrong
 * becomes CairnError('CAIRN_MALFORMED_PROTOBUF').
 */

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_SGROUP = 3;
const WIRE_I32 = 5;

/** Nesting limit of AnyValue arrays / kvlists (and of skipped groups). */
const MAX_DEPTH = 32;
/** Ids longer than this many bytes are cut before hex encoding; the normalizer rejects them. */
const MAX_ID_BYTES = 32;

class Malformed extends Error {}

function fail(message: string): never {
  throw new Malformed(message);
}

const WIRE_NAMES = ['varint', 'fixed64', 'length-delimited', 'start-group', 'end-group', 'fixed32', '6', '7'];

function expectWire(actual: number, expected: number, what: string): void {
  if (actual !== expected) {
    fail(`${what} has wire type ${WIRE_NAMES[actual] ?? actual}, expected ${WIRE_NAMES[expected] ?? expected}`);
  }
}

/** Reads a length prefix and returns the end offset of the value, checked against the current limit. */
function lengthEnd(r: Reader, what: string): number {
  const len = r.size();
  const end = r.pos + len;
  if (end > r.len) fail(`${what} declares ${len} bytes but only ${r.len - r.pos} remain`);
  return end;
}

function readTag(r: Reader): number {
  const tag = r.tag();
  if (tag >>> 3 === 0) fail(`illegal field number 0 at offset ${r.pos}`);
  return tag;
}

function skipField(r: Reader, wire: number, field: number): void {
  switch (wire) {
    case WIRE_VARINT:
      r.skip();
      return;
    case WIRE_I64:
      r.skip(8);
      return;
    case WIRE_LEN:
      r.pos = lengthEnd(r, `field ${field}`);
      return;
    case WIRE_SGROUP:
      r.skipType(WIRE_SGROUP, 0, field);
      return;
    case WIRE_I32:
      r.skip(4);
      return;
    default:
      fail(`invalid wire type ${wire} for field ${field} at offset ${r.pos}`);
  }
}

/** Enters a length-delimited sub-message: returns the previous limit to restore with `leave`. */
function enter(r: Reader, what: string): number {
  const end = lengthEnd(r, what);
  const saved = r.len;
  r.len = end;
  return saved;
}

function leave(r: Reader, saved: number): void {
  // The loops run `while (r.pos < r.len)`, and every read is bounded by r.len, so pos === len here.
  r.len = saved;
}

function readFixed64(r: Reader): bigint {
  const lo = r.fixed32();
  const hi = r.fixed32();
  return hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
}

/** A protobuf int64 varint as a number when it is a safe integer, else a bigint. */
function readInt64(r: Reader): number | bigint {
  const buf = r.buf;
  const lim = r.len;
  let pos = r.pos;
  let val = 0;
  let mul = 1;
  let i = 0;
  for (; i < 7; i++) {
    if (pos >= lim) fail('truncated varint');
    const b = buf[pos++] as number;
    val += (b & 127) * mul;
    if (b < 128) {
      r.pos = pos;
      return val;
    }
    mul *= 128;
  }
  let big = BigInt(val);
  let shift = 49n;
  for (; i < 10; i++) {
    if (pos >= lim) fail('truncated varint');
    const b = buf[pos++] as number;
    big |= BigInt(b & 127) << shift;
    shift += 7n;
    if (b < 128) {
      r.pos = pos;
      const signed = BigInt.asIntN(64, big);
      const n = Number(signed);
      return Number.isSafeInteger(n) ? n : signed;
    }
  }
  fail('varint longer than 10 bytes');
}

function readId(r: Reader, what: string): string {
  const end = lengthEnd(r, what);
  const start = r.pos;
  r.pos = end;
  // r.buf is always a Buffer here (see decodeTraceRequestProto): its native hex encoder makes
  // one flat string, where concatenating byte pairs built a rope to flatten later.
  return (r.buf as Buffer).toString('hex', start, Math.min(end, start + MAX_ID_BYTES));
}

function readBytesBase64(r: Reader): string {
  const end = lengthEnd(r, 'bytes value');
  const start = r.pos;
  r.pos = end;
  const b = r.buf;
  return Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('base64');
}

function decodeAnyValue(r: Reader, depth: number): AttrValue {
  if (depth > MAX_DEPTH) fail(`attribute values nested deeper than ${MAX_DEPTH} levels`);
  const saved = enter(r, 'AnyValue');
  let v: AttrValue = null;
  while (r.pos < r.len) {
    const tag = readTag(r);
    const field = tag >>> 3;
    const wire = tag & 7;
    switch (field) {
      case 1:
        expectWire(wire, WIRE_LEN, 'AnyValue.string_value');
        v = r.string();
        break;
      case 2:
        expectWire(wire, WIRE_VARINT, 'AnyValue.bool_value');
        v = r.bool();
        break;
      case 3:
        expectWire(wire, WIRE_VARINT, 'AnyValue.int_value');
        v = readInt64(r);
        break;
      case 4:
        expectWire(wire, WIRE_I64, 'AnyValue.double_value');
        v = r.double();
        break;
      case 5:
        expectWire(wire, WIRE_LEN, 'AnyValue.array_value');
        v = decodeArrayValue(r, depth + 1);
        break;
      case 6:
        expectWire(wire, WIRE_LEN, 'AnyValue.kvlist_value');
        v = decodeKeyValueList(r, depth + 1);
        break;
      case 7:
        expectWire(wire, WIRE_LEN, 'AnyValue.bytes_value');
        v = readBytesBase64(r);
        break;
      default:
        skipField(r, wire, field);
    }
  }
  leave(r, saved);
  return v;
}

function decodeArrayValue(r: Reader, depth: number): AttrValue[] {
  const saved = enter(r, 'ArrayValue');
  const out: AttrValue[] = [];
  while (r.pos < r.len) {
    const tag = readTag(r);
    if (tag >>> 3 === 1) {
      expectWire(tag & 7, WIRE_LEN, 'ArrayValue.values');
      out.push(decodeAnyValue(r, depth));
    } else skipField(r, tag & 7, tag >>> 3);
  }
  leave(r, saved);
  return out;
}

function decodeKeyValueList(r: Reader, depth: number): Attributes {
  const saved = enter(r, 'KeyValueList');
  const out: Attributes = {};
  while (r.pos < r.len) {
    const tag = readTag(r);
    if (tag >>> 3 === 1) {
      expectWire(tag & 7, WIRE_LEN, 'KeyValueList.values');
      decodeKeyValue(r, out, depth);
    } else skipField(r, tag & 7, tag >>> 3);
  }
  leave(r, saved);
  return out;
}

/** Decodes one KeyValue into `into` (last duplicate key wins). */
function decodeKeyValue(r: Reader, into: Attributes, depth: number): void {
  const saved = enter(r, 'KeyValue');
  let key = '';
  let value: AttrValue = null;
  while (r.pos < r.len) {
    const tag = readTag(r);
    const field = tag >>> 3;
    if (field === 1) {
      expectWire(tag & 7, WIRE_LEN, 'KeyValue.key');
      key = r.string();
    } else if (field === 2) {
      expectWire(tag & 7, WIRE_LEN, 'KeyValue.value');
      value = decodeAnyValue(r, depth);
    } else skipField(r, tag & 7, field);
  }
  leave(r, saved);
  setAttr(into, key, value);
}

function decodeResource(r: Reader, into: Attributes): void {
  const saved = enter(r, 'Resource');
  while (r.pos < r.len) {
    const tag = readTag(r);
    if (tag >>> 3 === 1) {
      expectWire(tag & 7, WIRE_LEN, 'Resource.attributes');
      decodeKeyValue(r, into, 0);
    } else skipField(r, tag & 7, tag >>> 3);
  }
  leave(r, saved);
}

function decodeEvent(r: Reader): DecodedEvent {
  const saved = enter(r, 'Span.Event');
  let timeNs = 0n;
  let name = '';
  const attributes: Attributes = {};
  while (r.pos < r.len) {
    const tag = readTag(r);
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1) {
      expectWire(wire, WIRE_I64, 'Event.time_unix_nano');
      timeNs = readFixed64(r);
    } else if (field === 2) {
      expectWire(wire, WIRE_LEN, 'Event.name');
      name = r.string();
    } else if (field === 3) {
      expectWire(wire, WIRE_LEN, 'Event.attributes');
      decodeKeyValue(r, attributes, 0);
    } else skipField(r, wire, field);
  }
  leave(r, saved);
  return { name, timeNs, attributes };
}

interface StatusOut {
  code: number;
  message: string;
}

function decodeStatus(r: Reader, out: StatusOut): void {
  const saved = enter(r, 'Status');
  while (r.pos < r.len) {
    const tag = readTag(r);
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 2) {
      expectWire(wire, WIRE_LEN, 'Status.message');
      out.message = r.string();
    } else if (field === 3) {
      expectWire(wire, WIRE_VARINT, 'Status.code');
      out.code = r.int32();
    } else skipField(r, wire, field);
  }
  leave(r, saved);
}

function decodeSpan(r: Reader, resource: Attributes): DecodedSpan {
  const saved = enter(r, 'Span');
  let traceId = '';
  let spanId = '';
  let parentSpanId = '';
  let name = '';
  let spanKind = 0;
  let startNs = 0n;
  let endNs = 0n;
  const attributes: Attributes = {};
  const events: DecodedEvent[] = [];
  const status: StatusOut = { code: 0, message: '' };
  while (r.pos < r.len) {
    const tag = readTag(r);
    const field = tag >>> 3;
    const wire = tag & 7;
    switch (field) {
      case 1:
        expectWire(wire, WIRE_LEN, 'Span.trace_id');
        traceId = readId(r, 'Span.trace_id');
        break;
      case 2:
        expectWire(wire, WIRE_LEN, 'Span.span_id');
        spanId = readId(r, 'Span.span_id');
        break;
      case 4:
        expectWire(wire, WIRE_LEN, 'Span.parent_span_id');
        parentSpanId = readId(r, 'Span.parent_span_id');
        break;
      case 5:
        expectWire(wire, WIRE_LEN, 'Span.name');
        name = r.string();
        break;
      case 6:
        expectWire(wire, WIRE_VARINT, 'Span.kind');
        spanKind = r.int32();
        break;
      case 7:
        expectWire(wire, WIRE_I64, 'Span.start_time_unix_nano');
        startNs = readFixed64(r);
        break;
      case 8:
        expectWire(wire, WIRE_I64, 'Span.end_time_unix_nano');
        endNs = readFixed64(r);
        break;
      case 9:
        expectWire(wire, WIRE_LEN, 'Span.attributes');
        decodeKeyValue(r, attributes, 0);
        break;
      case 11:
        expectWire(wire, WIRE_LEN, 'Span.events');
        events.push(decodeEvent(r));
        break;
      case 15:
        expectWire(wire, WIRE_LEN, 'Span.status');
        decodeStatus(r, status);
        break;
      default:
        // trace_state (3), dropped counts (10, 12, 14), links (13), flags (16) and future fields
        skipField(r, wire, field);
    }
  }
  leave(r, saved);
  return {
    traceId,
    spanId,
    parentSpanId,
    name,
    spanKind,
    startNs,
    endNs,
    attributes,
    events,
    statusCode: status.code,
    statusMessage: status.message,
    resource,
    scopeName: '',
    scopeVersion: '',
  };
}

function decodeScope(r: Reader, out: { name: string; version: string }): void {
  const saved = enter(r, 'InstrumentationScope');
  while (r.pos < r.len) {
    const tag = readTag(r);
    const field = tag >>> 3;
    if (field === 1) {
      expectWire(tag & 7, WIRE_LEN, 'InstrumentationScope.name');
      out.name = r.string();
    } else if (field === 2) {
      expectWire(tag & 7, WIRE_LEN, 'InstrumentationScope.version');
      out.version = r.string();
    } else skipField(r, tag & 7, field);
  }
  leave(r, saved);
}

function decodeScopeSpans(r: Reader, resource: Attributes, out: DecodedSpan[]): void {
  const saved = enter(r, 'ScopeSpans');
  const scope = { name: '', version: '' };
  const first = out.length;
  while (r.pos < r.len) {
    const tag = readTag(r);
    const field = tag >>> 3;
    if (field === 2) {
      expectWire(tag & 7, WIRE_LEN, 'ScopeSpans.spans');
      out.push(decodeSpan(r, resource));
    } else if (field === 1) {
      expectWire(tag & 7, WIRE_LEN, 'ScopeSpans.scope');
      decodeScope(r, scope);
    } else skipField(r, tag & 7, field);
  }
  leave(r, saved);
  // The scope may follow its spans on the wire: fill it in once the message is complete.
  if (scope.name !== '' || scope.version !== '') {
    for (let i = first; i < out.length; i++) {
      const s = out[i] as DecodedSpan;
      s.scopeName = scope.name;
      s.scopeVersion = scope.version;
    }
  }
}

function decodeResourceSpans(r: Reader, out: DecodedSpan[]): void {
  const saved = enter(r, 'ResourceSpans');
  // One object shared by all spans of this resource, filled in place wherever it appears.
  const resource: Attributes = {};
  while (r.pos < r.len) {
    const tag = readTag(r);
    const field = tag >>> 3;
    if (field === 2) {
      expectWire(tag & 7, WIRE_LEN, 'ResourceSpans.scope_spans');
      decodeScopeSpans(r, resource, out);
    } else if (field === 1) {
      expectWire(tag & 7, WIRE_LEN, 'ResourceSpans.resource');
      decodeResource(r, resource);
    } else skipField(r, tag & 7, field);
  }
  leave(r, saved);
}

/**
 * Decodes an OTLP/protobuf `ExportTraceServiceRequest` body into flat spans.
 * Ids become lower-case hex (ids of a wrong length are passed on for the normalizer to reject);
 * `bytes_value` attributes become base64 text, as in OTLP/JSON.
 * @throws CairnError `CAIRN_MALFORMED_PROTOBUF` for any malformed input.
 */
export function decodeTraceRequestProto(buf: Uint8Array): DecodedSpan[] {
  const out: DecodedSpan[] = [];
  if (buf.length === 0) return out;
  // A Buffer view (no copy) whatever the caller passed: protobufjs then decodes every string
  // with Buffer#utf8Slice. Given a plain Uint8Array — what the ingest worker receives, as
  // postMessage delivers Buffers as Uint8Arrays — it builds short strings by concatenation in
  // JS and long ones through a subarray and a TextDecoder, both slower and more garbage per
  // attribute. Same text either way, invalid UTF-8 included (U+FFFD, WHATWG rules).
  const view = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const r: Reader = protobuf.Reader.create(view);
  try {
    while (r.pos < r.len) {
      const tag = readTag(r);
      const field = tag >>> 3;
      if (field === 1) {
        expectWire(tag & 7, WIRE_LEN, 'ExportTraceServiceRequest.resource_spans');
        decodeResourceSpans(r, out);
      } else skipField(r, tag & 7, field);
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new CairnError('CAIRN_MALFORMED_PROTOBUF', `Malformed OTLP protobuf trace request: ${message}`, {
      cause: err instanceof Malformed ? undefined : err,
      details: { offset: r.pos },
    });
  }
  return out;
}
