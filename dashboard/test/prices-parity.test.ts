import { describe, expect, it } from 'vitest';
import { normalizeSpan } from '@cairn/collector';
import type { DecodedSpan } from '@cairn/collector';
import { DEFAULT_PRICE_BOOK, PRICE_TABLE, priceOf, type Price } from '@cairn/schemas';
import { searchPrices } from '../src/lib/prices';

/*
 * The dashboard's price search flags the row that prices a pasted model id; the collector prices
 * spans. Both must resolve an id to the same row, for the ids real SDKs and gateways send:
 * Bedrock (`anthropic.`, `us.anthropic.`, `-v1:0`), Vertex (`publishers/…/models/…`), OpenRouter
 * and other gateways (`openai/…`), Fireworks-style `accounts/…/models/…`.
 */
const IDS = [
  'gpt-4o-2024-08-06',
  'GPT-4o-mini',
  'openai/gpt-4o-mini',
  'openai/gpt-5-nano-2025-08-07',
  'anthropic/claude-sonnet-4',
  'anthropic.claude-3-5-sonnet-20240620-v1:0',
  'us.anthropic.claude-3-5-haiku-20241022-v1:0',
  'eu.anthropic.claude-sonnet-4-20250514-v1:0',
  'anthropic.claude-3-haiku-20240307-v1',
  'mistral.mistral-large-2407-v1:0',
  'projects/p1/locations/us-central1/publishers/google/models/gemini-2.5-pro',
  'models/gemini-2.0-flash-001',
  'google/gemini-2.5-flash-lite',
  'deepseek/deepseek-chat',
  'accounts/fireworks/models/deepseek-r1',
  'meta-llama/llama-3.1-405b-instruct',
  'no-such-model-xyz',
];
/** Ids the drifted dashboard copy (last `/` segment only) could not price while the collector did. */
const BEDROCK = IDS.filter((id) => /^(?:[a-z]{2}\.)?(?:anthropic|mistral)\./.test(id));

const prices: Price[] = PRICE_TABLE.map(priceOf);

function dashboardRow(id: string): Price | undefined {
  return searchPrices(prices, id).find((r) => r.pricesQuery)?.price;
}

/** The price the collector derives from a real OTLP-shaped LLM span with this model id. */
function collectorCost(id: string, input: number, output: number): { cost: number; source: string } {
  const span: DecodedSpan = {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    parentSpanId: '',
    name: `chat ${id}`,
    spanKind: 3,
    startNs: 1_700_000_000_000_000_000n,
    endNs: 1_700_000_000_500_000_000n,
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': id,
      'gen_ai.conversation.id': 's1',
      'gen_ai.usage.input_tokens': input,
      'gen_ai.usage.output_tokens': output,
    },
    events: [],
    statusCode: 0,
    statusMessage: '',
    resource: { 'service.name': 'parity' },
    scopeName: 'parity',
    scopeVersion: '1',
  };
  const r = normalizeSpan(span, { projectId: 'p', priceBook: DEFAULT_PRICE_BOOK });
  if (!('row' in r)) throw new Error(`rejected: ${r.rejected}`);
  return { cost: r.row.cost_usd, source: r.row.cost_source };
}

describe('model prices: the dashboard and the collector agree', () => {
  it.each(IDS)('%s resolves to the same price in both', (id) => {
    const row = dashboardRow(id);
    // One million input tokens costs the input rate, one million output tokens the output rate.
    const inOnly = collectorCost(id, 1_000_000, 0);
    const outOnly = collectorCost(id, 0, 1_000_000);
    if (row === undefined) {
      expect(inOnly.source).toBe('unknown');
      return;
    }
    expect(inOnly.source).toBe('computed');
    expect(inOnly.cost).toBeCloseTo(row.input_usd_per_mtok, 9);
    expect(outOnly.cost).toBeCloseTo(row.output_usd_per_mtok, 9);
  });

  it('prices the Bedrock, Vertex and gateway ids (a table where both sides find nothing proves nothing)', () => {
    expect(BEDROCK.length).toBeGreaterThanOrEqual(4);
    for (const id of BEDROCK) expect(dashboardRow(id), id).toBeDefined();
    expect(dashboardRow('anthropic.claude-3-5-sonnet-20240620-v1:0')?.model).toBe('claude-3.5-sonnet');
    expect(dashboardRow('projects/p1/locations/us-central1/publishers/google/models/gemini-2.5-pro')?.model).toBe(
      'gemini-2.5-pro',
    );
    expect(IDS.filter((id) => dashboardRow(id) === undefined)).toEqual(['no-such-model-xyz']);
  });
});
