import { Type, type Static } from 'typebox';
import type { ModelPrice } from './prices.js';

/**
 * The model price table the collector prices spans with (`GET /api/prices`): the data shipped in
 * `@cairn/schemas` (price-data.ts), in match order. Prices are USD per million tokens.
 */
const perMillion = (what: string) => Type.Number({ minimum: 0, description: `USD per million ${what} tokens.` });

export const Price = Type.Object({
  provider: Type.String(),
  model: Type.String({ description: 'A readable name of the model family the pattern covers.' }),
  pattern: Type.String({
    description:
      'Regular expression tested against the normalized model id (lower-cased, routing prefixes such as `openai/` ' +
      "or Bedrock's `us.anthropic.` stripped). The first matching row wins.",
  }),
  input_usd_per_mtok: perMillion('input (not cached)'),
  output_usd_per_mtok: perMillion('output (reasoning included)'),
  cache_read_usd_per_mtok: perMillion('cache-read input'),
  cache_write_usd_per_mtok: perMillion('cache-write input'),
  taken: Type.String({ description: "Date (YYYY-MM-DD) the price was read from the provider's public price page." }),
});
export type Price = Static<typeof Price>;

export const PriceList = Type.Object({
  prices: Type.Array(Price, { description: 'In match order: the first pattern matching a model id prices it.' }),
});
export type PriceList = Static<typeof PriceList>;

/** A row of the shipped price table as the API answers it. */
export function priceOf(p: ModelPrice): Price {
  return {
    provider: p.provider,
    model: p.model,
    pattern: p.pattern,
    input_usd_per_mtok: p.input,
    output_usd_per_mtok: p.output,
    cache_read_usd_per_mtok: p.cacheRead,
    cache_write_usd_per_mtok: p.cacheWrite,
    taken: p.taken,
  };
}
