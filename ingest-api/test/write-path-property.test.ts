import { rawSql } from '@cairn/storage/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CairnRuntime } from 'cairn';
import { startTestCairn, seededRandom } from '@cairn/testkit';

/*
 * The whole write path as a property: seeded random spans of a valid shape with extreme but
 * legal values (times anywhere in 1970–2262 and at the nanosecond edges, zero and negative
 * durations, huge token counts, NaN/Infinity doubles, empty and 1 MiB strings, unicode with
 * lone surrogates, 10,000 attributes) go through the real collector (HTTP, OTLP/JSON) into a
 * real embedded store. Each span is either rejected in partial_success — exactly the ones the
 * generator knows are unstorable — or stored and read back through the API as sent (up to the
 * documented caps and clamps). No span may reach the writer only to be refused there, and
 * valid spans sent after them are always queryable.
 */

const SEED = 20261202;
const CASES = 10_000;
const PER_REQUEST = 250;
const INGEST = 'cairn_ik_' + 'p'.repeat(24);
const ADMIN = 'cairn_ak_' + 'q'.repeat(24);
const MAX_NS = 9_223_372_036_854_775_807n;
const MARK = '…[truncated by cairn, original length ';
const cap = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, max)}${MARK}${s.length}]`);
type WF = { toWellFormed(): string };
const wellFormed = (s: string): string => (s as unknown as WF).toWellFormed();

interface Expected {
  spanId: string;
  rejected: boolean;
  start: bigint;
  end: bigint;
  name: string;
  llm: boolean;
  inputTokens: number;
  clamped: string[];
  cost: number;
  confidence: number | null;
  attributes: Record<string, unknown>;
  state: string | null;
}

type OtlpValue = Record<string, unknown>;
type OtlpAttr = { key: string; value: OtlpValue };

const rand = seededRandom(SEED);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const chance = (p: number): boolean => rand() < p;
const bigRand = (max: bigint): bigint => {
  // Uniform enough over [0, max): two 32-bit draws.
  const r = (BigInt(Math.floor(rand() * 2 ** 32)) << 32n) | BigInt(Math.floor(rand() * 2 ** 32));
  return r % max;
};

const UNICODE = ['é', '東京', '🚀', '\u0000', '\u001f', '"', '\\', '\n', '\ud800', '\udc00', 'a\u0301', '\u2028', '\uffff'];
function text(maxLen: number): string {
  const n = Math.floor(rand() * maxLen);
  let s = '';
  while (s.length < n) s += chance(0.3) ? pick(UNICODE) : String.fromCharCode(32 + Math.floor(rand() * 95));
  return s;
}

/**
 * Starts fall in a few dozen months spread over 1970–2262 (spans are partitioned by month: a
 * uniform draw over 292 years would make every insert write ~3,500 parts, which tests
 * ClickHouse's merge speed, not Cairn), plus the nanosecond edges.
 */
const MONTH_STARTS = [
  '1970-01-01',
  '1970-02-01',
  '1985-06-01',
  '1999-12-01',
  '2001-09-01',
  '2001-10-01',
  '2020-02-01',
  '2026-12-01',
  '2038-01-01',
  '2100-03-01',
  '2200-01-01',
  '2262-03-01',
  '2262-04-01',
].map((d) => BigInt(Date.parse(`${d}T00:00:00Z`)) * 1_000_000n);
const MONTH_NS = 28n * 86_400n * 1_000_000_000n;
const EDGE_STARTS = [
  1n,
  2n,
  999_999_999n,
  1_000_000_000n,
  946_684_800_000_000_000n,
  999_999_999_999_999_999n,
  MAX_NS - 1n,
  MAX_NS,
];
let idSeq = 0;
const hexId = (width: number): string => (++idSeq).toString(16).padStart(width, '0');

/** One random span and what must come of it. */
function randomCase(): { span: object; expected: Expected } {
  const spanId = hexId(16);
  let start = chance(0.3) ? pick(EDGE_STARTS) : pick(MONTH_STARTS) + 1n + bigRand(MONTH_NS);
  if (start > MAX_NS) start = MAX_NS - bigRand(1_000_000n);
  const r = rand();
  let end: bigint;
  if (r < 0.1)
    end = start; // zero duration
  else if (r < 0.15) {
    // A negative duration (down to 0 = missing end): rejected. Times are uint64 on the wire.
    const room = start - 1n < 1_000_000n ? start - 1n : 1_000_000n;
    end = start - 1n - (room > 0n ? bigRand(room) : 0n);
  } else if (r < 0.18)
    end = MAX_NS + 1n + bigRand(1000n); // past 2262: rejected
  else if (r < 0.2) {
    start = 0n; // missing start: rejected
    end = 5n;
  } else end = start + bigRand(MAX_NS - start + 1n);
  const rejected = start === 0n || end < start || end > MAX_NS;

  const name = chance(0.05) ? text(3000) : chance(0.1) ? '' : text(40);
  const attrs: OtlpAttr[] = [];
  const expectedAttrs: Record<string, unknown> = {};
  const llm = chance(0.4);
  let inputTokens = 0;
  const clamped: string[] = [];
  if (llm) {
    attrs.push({ key: 'gen_ai.operation.name', value: { stringValue: 'chat' } });
    attrs.push({ key: 'gen_ai.request.model', value: { stringValue: 'unknown-model-xyz' } });
    const t = pick(['0', '1', '123456', '1000000000000', '1000000000001', '9007199254740993', '9223372036854775807', 'double']);
    if (t === 'double') {
      attrs.push({ key: 'gen_ai.usage.input_tokens', value: { doubleValue: 1e300 } });
      inputTokens = 1e12;
    } else {
      attrs.push({ key: 'gen_ai.usage.input_tokens', value: { intValue: t } });
      inputTokens = Math.min(Number(t), 1e12);
    }
    if (Number(t === 'double' ? 1e300 : t) > 1e12) clamped.push('input_tokens');
  }
  let cost = 0;
  if (chance(0.5)) {
    const c = pick([0.5, 0, 1e-9, 1e300, -1, 'NaN', 'Infinity', '-Infinity'] as const);
    attrs.push({ key: 'cairn.cost.usd', value: { doubleValue: c } });
    if (typeof c === 'number' && c >= 0) cost = c;
  }
  let confidence: number | null = null;
  if (chance(0.5)) {
    const c = pick([0, 1, 0.25, 1.5, -0.1, 'NaN', 'Infinity'] as const);
    attrs.push({ key: 'cairn.confidence', value: { doubleValue: c } });
    if (typeof c === 'number' && c >= 0 && c <= 1) confidence = c;
  }
  if (chance(0.6)) {
    const s = chance(0.01) ? 'w'.repeat(100_000) : text(60);
    attrs.push({ key: 'prop.text', value: { stringValue: s } });
    expectedAttrs['prop.text'] = cap(s, 64 * 1024);
  }
  if (chance(0.3)) {
    const d = pick([0, -0, 1.5, -1e308, 5e-324, 'NaN', 'Infinity'] as const);
    attrs.push({ key: 'prop.double', value: { doubleValue: d } });
    // Attributes are JSON: no NaN/Infinity (null), and -0 is 0.
    expectedAttrs['prop.double'] = typeof d === 'number' ? (JSON.parse(JSON.stringify(d)) as number) : null;
  }
  if (chance(0.3)) {
    const i = pick(['0', '-9223372036854775808', '9223372036854775807', '42']);
    attrs.push({ key: 'prop.int', value: { intValue: i } });
    expectedAttrs['prop.int'] = Number.isSafeInteger(Number(i)) ? Number(i) : i;
  }
  if (chance(0.002)) {
    for (let k = 0; k < 10_000; k++) {
      attrs.push({ key: `bulk.${k}`, value: { intValue: String(k) } });
      expectedAttrs[`bulk.${k}`] = k;
    }
  }
  let state: string | null = null;
  if (chance(0.05)) {
    const s = chance(0.05) ? '{"big":"' + 's'.repeat(1024 * 1024) + '"}' : chance(0.2) ? '' : text(200);
    attrs.push({ key: 'cairn.state.json', value: { stringValue: s } });
    state = s === '' ? null : wellFormed(cap(s, 1024 * 1024));
  }
  if (clamped.length) expectedAttrs['cairn.clamped'] = clamped;
  if (!llm && chance(0.5)) {
    attrs.push({ key: 'gen_ai.usage.input_tokens', value: { intValue: '5' } }); // not an llm span: kept as an attribute
  }
  const span = {
    spanId,
    // A child span (its parent is elsewhere): a root with a session id would be the session span, which carries no cost.
    parentSpanId: 'ffffffffffffffff',
    name,
    startTimeUnixNano: start.toString(),
    endTimeUnixNano: end.toString(),
    attributes: attrs,
  };
  return {
    span,
    expected: {
      spanId,
      rejected,
      start,
      end,
      name: wellFormed(cap(name, 1024)),
      llm,
      inputTokens,
      clamped,
      cost,
      confidence,
      attributes: expectedAttrs,
      state,
    },
  };
}

function request(sessionId: string, spans: object[]): string {
  const traceId = hexId(32);
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'property' } }] },
        scopeSpans: [
          {
            spans: spans.map((s) => ({
              traceId,
              ...s,
              attributes: [
                { key: 'gen_ai.conversation.id', value: { stringValue: sessionId } },
                ...(s as { attributes: OtlpAttr[] }).attributes,
              ],
            })),
          },
        ],
      },
    ],
  });
}

let cairn: CairnRuntime;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-write-property-'));
  cairn = await startTestCairn(dir, { CAIRN_INGEST_KEY: INGEST, CAIRN_ADMIN_KEY: ADMIN, CAIRN_BATCH_MAX_MS: '60000' });
}, 60_000);
afterAll(async () => {
  await cairn?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function post(body: string): Promise<{ rejectedSpans: number; message: string }> {
  const res = await fetch(`${cairn.otlpUrl}/v1/traces`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST}` },
  });
  if (res.status !== 200) expect.fail(`${res.status}: ${await res.text()}`);
  const json = (await res.json()) as { partialSuccess?: { rejectedSpans: string; errorMessage: string } };
  return { rejectedSpans: Number(json.partialSuccess?.rejectedSpans ?? 0), message: json.partialSuccess?.errorMessage ?? '' };
}

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${cairn.apiUrl}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } });
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

interface StepOut {
  span_id: string;
  name: string;
  start_time: string;
  end_time: string;
  duration_ms: number;
  input_tokens: number;
  cost_usd: number;
  confidence: number | null;
  state: string | null;
  attributes: Record<string, unknown>;
}

const iso = (ns: bigint): string => new Date(Number(ns / 1_000_000n)).toISOString();

describe('write path property', () => {
  it(`${CASES} seeded random spans: each rejected per span or stored exactly; valid spans after them are queryable`, async () => {
    const sessions: { id: string; cases: Expected[] }[] = [];
    let rejectedTotal = 0;
    // Generated in order (the seed fixes every case), sent four requests at a time.
    const requests: { id: string; cases: ReturnType<typeof randomCase>[] }[] = [];
    for (let r = 0; r * PER_REQUEST < CASES; r++) {
      requests.push({
        id: `prop-${r}`,
        cases: Array.from({ length: Math.min(PER_REQUEST, CASES - r * PER_REQUEST) }, randomCase),
      });
    }
    for (let i = 0; i < requests.length; i += 4) {
      await Promise.all(
        requests.slice(i, i + 4).map(async ({ id, cases }) => {
          const res = await post(
            request(
              id,
              cases.map((c) => c.span),
            ),
          );
          const expectRejected = cases.filter((c) => c.expected.rejected).length;
          expect(res.rejectedSpans, `${id}: ${res.message.slice(0, 300)}`).toBe(expectRejected);
          rejectedTotal += expectRejected;
          sessions.push({ id, cases: cases.map((c) => c.expected) });
        }),
      );
    }
    // Valid spans after all of them, in a session of their own.
    const now = BigInt(Date.now()) * 1_000_000n;
    const after = await post(
      request('prop-after', [
        { spanId: hexId(16), name: 'after', startTimeUnixNano: String(now - 10n), endTimeUnixNano: String(now), attributes: [] },
      ]),
    );
    expect(after.rejectedSpans).toBe(0);
    await cairn.flush();

    // Nothing reached the writer only to be refused there.
    const m = cairn.collector!.metrics;
    expect(m.batchFailures.get()).toBe(0);
    expect(m.batchesBisected.get()).toBe(0);
    expect(m.spansWritten.get()).toBe(CASES - rejectedTotal + 1);

    const afterSession = await api<{ steps: StepOut[] }>('/api/sessions/prop-after/export');
    expect(afterSession.steps.map((s) => s.name)).toEqual(['after']);

    // Exact nanoseconds, straight from the store (the API shows milliseconds).
    const ns = await rawSql(cairn.store).query<{ span_id: string; s: string; e: string }>(
      `SELECT span_id, toString(toUnixTimestamp64Nano(start_time)) AS s, toString(toUnixTimestamp64Nano(end_time)) AS e
       FROM spans WHERE project_id = 'default' AND startsWith(session_id, 'prop-')`,
    );
    const nsBySpan = new Map(ns.map((r) => [r.span_id, [BigInt(r.s), BigInt(r.e)]]));
    let checked = 0;
    for (const s of sessions) {
      const exp = await api<{ steps: StepOut[] }>(`/api/sessions/${s.id}/export`);
      const bySpan = new Map(exp.steps.map((st) => [st.span_id, st]));
      const kept = s.cases.filter((c) => !c.rejected);
      expect(bySpan.size, s.id).toBe(kept.length);
      for (const c of kept) {
        const st = bySpan.get(c.spanId);
        const where = `${s.id}/${c.spanId}`;
        expect(st, where).toBeDefined();
        expect(nsBySpan.get(c.spanId), where).toEqual([c.start, c.end]);
        expect(st!.start_time, where).toBe(iso(c.start));
        expect(st!.end_time, where).toBe(iso(c.end));
        expect(st!.duration_ms, where).toBeCloseTo(Number(c.end - c.start) / 1e6, -1);
        expect(st!.name, where).toBe(c.name);
        expect(st!.input_tokens, where).toBe(c.llm ? c.inputTokens : 0);
        expect(st!.cost_usd, where).toBe(c.cost);
        expect(st!.confidence, where).toBe(c.confidence);
        expect(st!.state, where).toBe(c.state);
        for (const [k, v] of Object.entries(c.attributes)) expect(st!.attributes[k], `${where} ${k}`).toEqual(v);
        checked++;
      }
    }
    expect(checked).toBe(CASES - rejectedTotal);
    expect(checked).toBeGreaterThan(CASES * 0.75);
  }, 300_000);
});
