import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SpanKind, SpanStatusCode, TraceFlags, type Attributes, type SpanContext } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import { DEFAULT_PRICE_BOOK, SPAN_INSERT_COLUMNS } from '@cairn/schemas';
import { prepareRequest, type PreparedRequest } from '../src/pipeline/prepare.js';
import { seededRandom } from '@cairn/testkit';

/*
 * Pins the ingest output byte for byte: the insert lines (`body`) and dedup keys that
 * `prepareRequest` makes from a fixed corpus must not change when its hot path is optimized.
 * The digests were computed with the code as it was before the allocation work of 2026-11-30
 * (commit 84ead5e), then recomputed once for an intended change: times are encoded as
 * `<seconds>.<nanoseconds>` and lone UTF-16 surrogates in column strings become U+FFFD (checked
 * line by line against the previous output: nothing else differed). A change that alters them
 * changes what is stored: if that is intended, say so in the commit and recompute them.
 */

const TEXTS = [
  'plain answer',
  'quotes " and \\ backslashes, tab\tand\nnewline',
  'unicode: café, 東京, emoji 🚀🧭, combining é',
  'control \u0001\u001f chars and a lone surrogate \ud800 here',
  '{"not":"messages"}',
  '',
  'x'.repeat(70 * 1024),
];

function hex(next: () => number, bytes: number): string {
  let s = '';
  for (let i = 0; i < bytes; i++)
    s += Math.floor(next() * 256)
      .toString(16)
      .padStart(2, '0');
  return s;
}

/** Spans in the shapes the normalizer knows: GenAI chat and tools, OpenInference, Vercel, events, errors. */
function corpus(seed: number, n: number): ReadableSpan[] {
  const next = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  const resource = resourceFromAttributes({ 'service.name': 'golden-agent', 'deployment.environment': 'test', 'host.cpus': 2 });
  const spans: ReadableSpan[] = [];
  const traces = Array.from({ length: 6 }, () => hex(next, 16));
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const traceId = pick(traces);
    const spanId = i === 7 ? '0000000000000000' : hex(next, 8); // all zero: the normalizer rejects it
    const parent = ids.length > 0 && next() < 0.8 ? pick(ids) : undefined;
    ids.push(spanId);
    const text = pick(TEXTS);
    const session = next() < 0.7 ? { 'gen_ai.conversation.id': `sess-${i % 9}` } : {};
    const agent = next() < 0.5 ? { 'gen_ai.agent.name': `agent-${i % 4}` } : {};
    let name = 'step';
    let attributes: Attributes = { ...session, ...agent, 'custom.flag': next() < 0.5, 'custom.ratio': next() };
    const events: TimedEvent[] = [];
    switch (i % 7) {
      case 0:
        name = 'chat gpt-4o-mini';
        attributes = {
          ...attributes,
          'gen_ai.operation.name': 'chat',
          'gen_ai.request.model': pick(['gpt-4o-mini', 'claude-sonnet-4', 'unknown-model']),
          'gen_ai.provider.name': pick(['openai', 'Anthropic', 'google.vertex.chat']),
          'gen_ai.usage.input_tokens': Math.floor(next() * 5000),
          'gen_ai.usage.output_tokens': Math.floor(next() * 900),
          'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: text }] }]),
          'gen_ai.output.messages': JSON.stringify([
            {
              role: 'assistant',
              parts: [
                { type: 'text', content: pick(TEXTS) },
                { type: 'tool_call', id: 'c1', name: 'search', arguments: { q: text } },
              ],
            },
          ]),
          'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: 'be brief' }]),
        };
        break;
      case 1:
        name = 'execute_tool search';
        attributes = {
          ...attributes,
          'gen_ai.operation.name': 'execute_tool',
          'gen_ai.tool.name': 'search',
          'gen_ai.tool.call.arguments': JSON.stringify({ z: 1, a: [text, 2], m: { y: null, b: true } }),
          'gen_ai.tool.call.result': text,
        };
        break;
      case 2:
        name = 'ChatCompletion';
        attributes = {
          ...attributes,
          'openinference.span.kind': 'LLM',
          'llm.model_name': 'gpt-4o',
          'llm.provider': 'openai',
          'llm.token_count.prompt': 321,
          'llm.token_count.completion': 12,
          'llm.input_messages.0.message.role': 'system',
          'llm.input_messages.0.message.content': 'sys',
          'llm.input_messages.1.message.role': 'user',
          'llm.input_messages.1.message.content': text,
          'llm.output_messages.0.message.role': 'assistant',
          'llm.output_messages.0.message.content': pick(TEXTS),
          'session.id': `oi-${i % 3}`,
        };
        break;
      case 3:
        name = 'ai.generateText.doGenerate';
        attributes = {
          ...attributes,
          'ai.operationId': 'ai.generateText.doGenerate',
          'ai.model.id': 'gpt-4o-mini',
          'ai.model.provider': 'openai.chat',
          'ai.prompt.messages': JSON.stringify([{ role: 'user', content: [{ type: 'text', text }] }]),
          'ai.response.text': pick(TEXTS),
          'ai.usage.promptTokens': 50,
          'ai.usage.completionTokens': 7,
          'ai.telemetry.functionId': 'vercel-fn',
        };
        break;
      case 4:
        name = 'ai.toolCall';
        attributes = {
          ...attributes,
          'ai.operationId': 'ai.toolCall',
          'ai.toolCall.name': 'lookup',
          'ai.toolCall.args': JSON.stringify({ id: i }),
          'ai.toolCall.result': JSON.stringify({ ok: true, text }),
        };
        break;
      case 5:
        name = 'agent run';
        attributes = {
          ...attributes,
          'cairn.span.kind': 'agent',
          'cairn.autonomy.level': 'supervised',
          'cairn.cost.usd': 0.0123,
        };
        events.push(
          {
            name: 'cairn.state',
            time: [1_700_000_000, i],
            attributes: { 'cairn.state.json': JSON.stringify({ step: i, note: text }) },
            droppedAttributesCount: 0,
          },
          {
            name: 'exception',
            time: [1_700_000_000, i + 1],
            attributes: { 'exception.type': 'Boom', 'exception.message': text },
            droppedAttributesCount: 0,
          },
          {
            name: 'custom',
            time: [1_700_000_000, i + 2],
            attributes: { big: pick(TEXTS), list: ['a', text] },
            droppedAttributesCount: 0,
          },
        );
        break;
      default:
        attributes = {
          ...attributes,
          'custom.text': text,
          'custom.list': [text, 'b'],
          'custom.count': i,
          'enduser.id': `u${i % 5}`,
        };
    }
    const ctx: SpanContext = { traceId, spanId, traceFlags: TraceFlags.SAMPLED };
    const start = 1_700_000_000 + i;
    spans.push({
      name,
      kind: SpanKind.INTERNAL,
      spanContext: () => ctx,
      parentSpanContext: parent === undefined ? undefined : { traceId, spanId: parent, traceFlags: TraceFlags.SAMPLED },
      startTime: [start, Math.floor(next() * 1e9)],
      endTime: [start + 1, Math.floor(next() * 1e9)],
      status:
        i % 11 === 0 ? { code: SpanStatusCode.ERROR, message: `failed ${text.slice(0, 20)}` } : { code: SpanStatusCode.UNSET },
      attributes,
      links: [],
      events,
      duration: [1, 0],
      ended: true,
      resource,
      instrumentationScope: { name: 'golden', version: '1.0.0' },
      droppedAttributesCount: 0,
      droppedEventsCount: 0,
      droppedLinksCount: 0,
    });
  }
  return spans;
}

/**
 * Insert columns the digests cover: the ones SPAN_TABLE had when they were computed. A column
 * added since (at the end of the inserted columns, as docs/ARCHITECTURE.md "Where to add things"
 * says) must hold its blank value in every row until the collector fills it: that is checked
 * here and its value left out of the digest, so adding a column to the span row changes no pin.
 */
const PINNED_INSERT_COLUMNS = 37;

function pinnedBody(body: Buffer): Buffer {
  const added = SPAN_INSERT_COLUMNS.slice(PINNED_INSERT_COLUMNS);
  if (added.length === 0) return body;
  const blanks = added.map((c) => {
    if (!('field' in c)) throw new Error(`column ${c.name} is derived: recompute the digests`);
    return ',' + JSON.stringify(c.codec.encode(c.codec.blank));
  });
  const tail = `${blanks.join('')}]`;
  const lines = body.toString('utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === '') continue;
    expect(line.endsWith(tail), `row ${i}: a column added after the digests is not blank`).toBe(true);
    lines[i] = line.slice(0, line.length - tail.length) + ']';
  }
  return Buffer.from(lines.join('\n'), 'utf8');
}

function digest(p: PreparedRequest): string {
  const h = createHash('sha256');
  h.update(`${p.spans} ${p.rows} ${JSON.stringify(p.rejected)}\n`);
  h.update(pinnedBody(p.body));
  h.update(Buffer.from(p.keys.buffer, p.keys.byteOffset, p.keys.byteLength));
  return h.digest('hex');
}

const spans = corpus(20261130, 400);
const proto = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
const json = Buffer.from(JsonTraceSerializer.serializeRequest(spans)!);

describe('prepareRequest output is pinned', () => {
  it('protobuf body: the same insert lines and keys as before', () => {
    const p = prepareRequest(proto, 'protobuf', 'golden-project', DEFAULT_PRICE_BOOK);
    expect(p.rows).toBe(399);
    expect(digest(p)).toBe('6e519bb9ebc4bcf8e6a1a9c119fee167017b27211f89b8381537a5115e8a11d4');
  });

  it('protobuf body as a plain Uint8Array (as the ingest worker receives it): identical output', () => {
    const p = prepareRequest(new Uint8Array(proto), 'protobuf', 'golden-project', DEFAULT_PRICE_BOOK);
    expect(digest(p)).toBe('6e519bb9ebc4bcf8e6a1a9c119fee167017b27211f89b8381537a5115e8a11d4');
  });

  it('invalid UTF-8 decodes the same from a Buffer (event loop) and a Uint8Array (worker)', () => {
    // Same length, so the protobuf framing stays valid: only the string's bytes turn invalid.
    const bad = Buffer.from(proto);
    const at = bad.indexOf('golden-agent'); // the service name, once in the resource
    expect(at).toBeGreaterThan(0);
    bad[at] = 0xff;
    bad[at + 1] = 0x80;
    const fromBuffer = prepareRequest(bad, 'protobuf', 'golden-project', DEFAULT_PRICE_BOOK);
    const fromArray = prepareRequest(new Uint8Array(bad), 'protobuf', 'golden-project', DEFAULT_PRICE_BOOK);
    expect(fromBuffer.body.includes('\ufffd\ufffdlden-agent')).toBe(true);
    expect(digest(fromArray)).toBe(digest(fromBuffer));
  });

  it('JSON body: the same insert lines and keys as before', () => {
    const p = prepareRequest(json, 'json', 'golden-project', DEFAULT_PRICE_BOOK);
    expect(digest(p)).toBe('0218940ca74014d5e705e5d539f3d079704942f0d76ee7a311d99ddbcf8503d5');
  });
});
