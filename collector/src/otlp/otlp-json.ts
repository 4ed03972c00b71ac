import { CairnError } from '@cairn/schemas';
import type { AttrValue, Attributes, DecodedEvent, DecodedSpan } from './decoded.js';
import { bytesToHex, setAttr } from './otlp-common.js';

/*
 * OTLP/JSON (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): lowerCamelCase
 * keys, ids as hex strings, 64-bit integers as decimal strings or numbers, enums as integers.
 * Unknown keys are ignored, as the spec requires. Leniencies, each cheap and unambiguous:
 * enum names ("SPAN_KIND_SERVER", "STATUS_CODE_ERROR") are accepted, null counts as absent, and
 * ids sent base64-encoded (the generic protobuf JSON mapping) are converted to hex when their
 * length can only be base64 (24 characters for a trace id, 12 for a span id).
 */

const MAX_DEPTH = 32;

class Malformed extends Error {}

function fail(message: string): never {
  throw new Malformed(message);
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(v: unknown, where: string): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) fail(`${where} must be an object`);
  return v;
}

function arr(v: unknown, where: string): unknown[] {
  if (v === undefined || v === null) return EMPTY;
  if (!Array.isArray(v)) fail(`${where} must be an array`);
  return v;
}
const EMPTY: unknown[] = [];

function str(v: unknown, where: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') fail(`${where} must be a string`);
  return v;
}

const DIGITS = /^-?\d+$/;

/** A uint64 nanosecond time from a decimal string or a number. */
function nanos(v: unknown, where: string): bigint {
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'string') {
    if (!DIGITS.test(v)) fail(`${where} must be a decimal integer string`);
    const n = BigInt(v);
    if (n < 0n || n > 0xffffffffffffffffn) fail(`${where} is out of the uint64 range`);
    return n;
  }
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0) fail(`${where} must be a non-negative integer`);
    return BigInt(v);
  }
  fail(`${where} must be a string or a number`);
}

function int64(v: unknown, where: string): number | bigint {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) fail(`${where} must be an integer`);
    return v;
  }
  if (typeof v === 'string') {
    if (!DIGITS.test(v)) fail(`${where} must be a decimal integer string`);
    const n = Number(v);
    if (Number.isSafeInteger(n)) return n;
    const b = BigInt(v);
    if (b < -0x8000000000000000n || b > 0x7fffffffffffffffn) fail(`${where} is out of the int64 range`);
    return b;
  }
  fail(`${where} must be a string or a number`);
}

function double(v: unknown, where: string): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  fail(`${where} must be a number`);
}

function enumValue(v: unknown, names: readonly string[], where: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string') {
    const i = names.indexOf(v);
    if (i >= 0) return i;
  }
  fail(`${where} must be an enum integer`);
}

const SPAN_KIND_NAMES = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
];
const STATUS_NAMES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

const HEX_ID = /^[0-9a-fA-F]*$/;
const B64_ID = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** An id as lower-case hex; anything else is passed on unchanged for the normalizer to reject. */
function id(v: unknown, hexLen: number, where: string): string {
  const s = str(v, where);
  if (s.length === hexLen || s.length === 0) return HEX_ID.test(s) ? s.toLowerCase() : s;
  const b64Len = Math.ceil(hexLen / 2 / 3) * 4;
  if (s.length === b64Len && B64_ID.test(s)) {
    const bytes = Buffer.from(s, 'base64');
    if (bytes.length === hexLen / 2) return bytesToHex(bytes, 0, bytes.length);
  }
  return s.length > 64 ? s.slice(0, 64) : s;
}

function anyValue(v: unknown, where: string, depth: number): AttrValue {
  if (depth > MAX_DEPTH) fail(`attribute values nested deeper than ${MAX_DEPTH} levels`);
  if (v === undefined || v === null) return null;
  if (!isObj(v)) fail(`${where} must be an AnyValue object`);
  // The usual case is exactly one key: test them in order of frequency.
  if (v.stringValue !== undefined && v.stringValue !== null) return str(v.stringValue, `${where}.stringValue`);
  if (v.intValue !== undefined && v.intValue !== null) return int64(v.intValue, `${where}.intValue`);
  if (v.boolValue !== undefined && v.boolValue !== null) {
    if (typeof v.boolValue !== 'boolean') fail(`${where}.boolValue must be a boolean`);
    return v.boolValue;
  }
  if (v.doubleValue !== undefined && v.doubleValue !== null) return double(v.doubleValue, `${where}.doubleValue`);
  if (v.arrayValue !== undefined && v.arrayValue !== null) {
    const a = obj(v.arrayValue, `${where}.arrayValue`) as Obj;
    const values = arr(a.values, `${where}.arrayValue.values`);
    const out: AttrValue[] = new Array<AttrValue>(values.length);
    for (let i = 0; i < values.length; i++) out[i] = anyValue(values[i], `${where}.arrayValue.values[${i}]`, depth + 1);
    return out;
  }
  if (v.kvlistValue !== undefined && v.kvlistValue !== null) {
    const kv = obj(v.kvlistValue, `${where}.kvlistValue`) as Obj;
    const out: Attributes = {};
    keyValues(kv.values, out, `${where}.kvlistValue.values`, depth + 1);
    return out;
  }
  if (v.bytesValue !== undefined && v.bytesValue !== null) return str(v.bytesValue, `${where}.bytesValue`);
  return null;
}

function keyValues(list: unknown, into: Attributes, where: string, depth: number): void {
  const a = arr(list, where);
  for (let i = 0; i < a.length; i++) {
    const kv = a[i];
    if (!isObj(kv)) fail(`${where}[${i}] must be a KeyValue object`);
    const key = str(kv.key, `${where}[${i}].key`);
    setAttr(into, key, anyValue(kv.value, `${where}[${i}].value`, depth));
  }
}

function attributes(list: unknown, where: string): Attributes {
  const out: Attributes = {};
  if (list !== undefined && list !== null) keyValues(list, out, where, 0);
  return out;
}

function decodeEvent(e: unknown, where: string): DecodedEvent {
  if (!isObj(e)) fail(`${where} must be an object`);
  return {
    name: str(e.name, `${where}.name`),
    timeNs: nanos(e.timeUnixNano, `${where}.timeUnixNano`),
    attributes: attributes(e.attributes, `${where}.attributes`),
  };
}

function decodeSpan(s: unknown, where: string, resource: Attributes, scopeName: string, scopeVersion: string): DecodedSpan {
  if (!isObj(s)) fail(`${where} must be an object`);
  const rawEvents = arr(s.events, `${where}.events`);
  const events: DecodedEvent[] = new Array<DecodedEvent>(rawEvents.length);
  for (let i = 0; i < rawEvents.length; i++) events[i] = decodeEvent(rawEvents[i], `${where}.events[${i}]`);
  const status = obj(s.status, `${where}.status`);
  return {
    traceId: id(s.traceId, 32, `${where}.traceId`),
    spanId: id(s.spanId, 16, `${where}.spanId`),
    parentSpanId: id(s.parentSpanId, 16, `${where}.parentSpanId`),
    name: str(s.name, `${where}.name`),
    spanKind: enumValue(s.kind, SPAN_KIND_NAMES, `${where}.kind`),
    startNs: nanos(s.startTimeUnixNano, `${where}.startTimeUnixNano`),
    endNs: nanos(s.endTimeUnixNano, `${where}.endTimeUnixNano`),
    attributes: attributes(s.attributes, `${where}.attributes`),
    events,
    statusCode: status ? enumValue(status.code, STATUS_NAMES, `${where}.status.code`) : 0,
    statusMessage: status ? str(status.message, `${where}.status.message`) : '',
    resource,
    scopeName,
    scopeVersion,
  };
}

/**
 * Decodes an OTLP/JSON `ExportTraceServiceRequest` (already `JSON.parse`d) into flat spans.
 * @throws CairnError `CAIRN_MALFORMED_JSON` when the body does not have the OTLP shape.
 */
export function decodeTraceRequestJson(body: unknown): DecodedSpan[] {
  const out: DecodedSpan[] = [];
  try {
    if (!isObj(body)) fail('the body must be a JSON object');
    const rss = arr(body.resourceSpans, 'resourceSpans');
    for (let i = 0; i < rss.length; i++) {
      const w = `resourceSpans[${i}]`;
      const rs = rss[i];
      if (!isObj(rs)) fail(`${w} must be an object`);
      const res = obj(rs.resource, `${w}.resource`);
      const resource = attributes(res?.attributes, `${w}.resource.attributes`);
      const sss = arr(rs.scopeSpans, `${w}.scopeSpans`);
      for (let j = 0; j < sss.length; j++) {
        const ws = `${w}.scopeSpans[${j}]`;
        const ss = sss[j];
        if (!isObj(ss)) fail(`${ws} must be an object`);
        const scope = obj(ss.scope, `${ws}.scope`);
        const scopeName = scope ? str(scope.name, `${ws}.scope.name`) : '';
        const scopeVersion = scope ? str(scope.version, `${ws}.scope.version`) : '';
        const spans = arr(ss.spans, `${ws}.spans`);
        for (let k = 0; k < spans.length; k++) {
          out.push(decodeSpan(spans[k], `${ws}.spans[${k}]`, resource, scopeName, scopeVersion));
        }
      }
    }
  } catch (err) {
    if (err instanceof Malformed) {
      throw new CairnError('CAIRN_MALFORMED_JSON', `Malformed OTLP/JSON trace request: ${err.message}`);
    }
    throw new CairnError('CAIRN_MALFORMED_JSON', 'Malformed OTLP/JSON trace request', { cause: err });
  }
  return out;
}
