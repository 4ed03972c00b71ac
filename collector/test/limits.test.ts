import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICE_BOOK, type SpanRow } from '@cairn/schemas';
import type { Attributes, DecodedSpan } from '../src/otlp/decoded.js';
import { normalizeSpan } from '../src/normalize/normalize.js';
import { MAX_ID_CHARS, MAX_NAME_CHARS, MAX_ROW_CHARS, MAX_TIME_NS, MAX_TOKENS } from '../src/normalize/limits.js';
import { TRUNCATION_MARK } from '../src/normalize/attr-values.js';

// Every value the store has a range for is checked or clamped per span (collector README).
const ctx = { projectId: 'p1', priceBook: DEFAULT_PRICE_BOOK };

function span(attributes: Attributes, over: Partial<DecodedSpan> = {}): DecodedSpan {
  return {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    parentSpanId: '',
    name: 'chat',
    spanKind: 3,
    startNs: 1_700_000_000_000_000_000n,
    endNs: 1_700_000_000_500_000_000n,
    attributes,
    events: [],
    statusCode: 0,
    statusMessage: '',
    resource: { 'service.name': 'svc' },
    scopeName: 'scope',
    scopeVersion: '1',
    ...over,
  };
}

function row(attributes: Attributes, over: Partial<DecodedSpan> = {}): SpanRow {
  const r = normalizeSpan(span(attributes, over), ctx);
  if (!('row' in r)) throw new Error(`rejected: ${r.rejected}`);
  return r.row;
}

function rejected(attributes: Attributes, over: Partial<DecodedSpan> = {}): string {
  const r = normalizeSpan(span(attributes, over), ctx);
  if (!('rejected' in r)) throw new Error('expected a rejection');
  return r.rejected;
}

const LLM = { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini' };

describe('per-span limits', () => {
  it('times: 1 ns to the last nanosecond of 2262-04-11 are kept; zero, reversed and later ends are rejected with a reason', () => {
    expect(row({}, { startNs: 1n, endNs: 1001n }).start_time_ns).toBe(1n);
    expect(row({}, { startNs: MAX_TIME_NS, endNs: MAX_TIME_NS }).end_time_ns).toBe(MAX_TIME_NS);
    expect(rejected({}, { startNs: 0n })).toMatch(/missing start time/);
    expect(rejected({}, { endNs: 0n })).toMatch(/missing end time/);
    expect(rejected({}, { startNs: 5n, endNs: 4n })).toMatch(/before start time/);
    expect(rejected({}, { startNs: 5n, endNs: MAX_TIME_NS + 1n })).toMatch(/beyond the year 2262/);
  });

  it('token counts above 1e12 are clamped and the span marked cairn.clamped; the cost stays finite', () => {
    const r = row({
      ...LLM,
      'gen_ai.usage.input_tokens': 1e300,
      'gen_ai.usage.output_tokens': 9_007_199_254_740_993n,
      custom: 1,
    });
    expect(r.input_tokens).toBe(MAX_TOKENS);
    expect(r.output_tokens).toBe(MAX_TOKENS);
    expect(Number.isFinite(r.cost_usd)).toBe(true);
    expect(JSON.parse(r.attributes)).toMatchObject({ custom: 1, 'cairn.clamped': ['input_tokens', 'output_tokens'] });
    // Within range: no marker.
    expect(JSON.parse(row({ ...LLM, 'gen_ai.usage.input_tokens': 1e12 }).attributes)).not.toHaveProperty(['cairn.clamped']);
  });

  it('non-finite and negative costs and out-of-range confidences are ignored, never stored', () => {
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1, 'NaN', 'Infinity']) {
      const r = row({ 'cairn.cost.usd': v, 'cairn.confidence': v });
      expect(r.cost_usd).toBe(0);
      expect(r.confidence).toBeNull();
    }
    expect(row({ 'cairn.confidence': 1.5 }).confidence).toBeNull();
  });

  it('session and user ids over 4096 characters are rejected; names are cut at 1024 with the truncation mark', () => {
    expect(rejected({ 'gen_ai.conversation.id': 's'.repeat(MAX_ID_CHARS + 1) })).toMatch(/session id is 4097 characters/);
    expect(rejected({ 'user.id': 'u'.repeat(MAX_ID_CHARS + 1) })).toMatch(/user id is 4097 characters/);
    expect(row({ 'gen_ai.conversation.id': 's'.repeat(MAX_ID_CHARS) }).session_id).toHaveLength(MAX_ID_CHARS);
    const r = row(
      { 'gen_ai.agent.name': 'a'.repeat(5000), 'gen_ai.request.model': 'm'.repeat(2000) },
      { name: 'n'.repeat(3000) },
    );
    for (const v of [r.name, r.agent_name, r.model]) {
      expect(v.startsWith(v[0]!.repeat(MAX_NAME_CHARS) + TRUNCATION_MARK)).toBe(true);
    }
    expect(r.name.endsWith('3000]')).toBe(true);
  });

  it('lone UTF-16 surrogates become U+FFFD in every column; pairs are kept', () => {
    const r = row(
      { 'gen_ai.conversation.id': 'sess\ud800', 'user.id': 'u\udc00x' },
      { name: 'a\ud83d\ude80b\ud83d', statusMessage: '\udfff' },
    );
    expect(r.session_id).toBe('sess\ufffd');
    expect(r.user_id).toBe('u\ufffdx');
    expect(r.name).toBe('a\ud83d\ude80b\ufffd');
    expect(r.status_message).toBe('\ufffd');
  });

  it('a span over 12 Mi characters in all is rejected with its size; one just under is kept', () => {
    const big: Attributes = {};
    // 200 attributes of 64 KiB each: every value within its cap, 12.5 Mi characters together.
    for (let i = 0; i < 200; i++) big[`k${i}`] = 'x'.repeat(64 * 1024);
    expect(rejected(big)).toMatch(/span is \d+ characters once encoded \(at most 12582912\)/);
    const fits: Attributes = {};
    for (let i = 0; i < 150; i++) fits[`k${i}`] = 'x'.repeat(64 * 1024);
    expect(row(fits).attributes.length).toBeLessThan(MAX_ROW_CHARS);
  });

  it('10,000 attributes and 1 MiB payloads are kept', () => {
    const many: Attributes = {};
    for (let i = 0; i < 10_000; i++) many[`attr.${i}`] = i;
    expect(Object.keys(JSON.parse(row(many).attributes))).toHaveLength(10_000);
    const r = row({ 'input.value': 'p'.repeat(1024 * 1024) });
    expect(r.input).toHaveLength(1024 * 1024);
  });
});
