import { PRICE_TABLE } from './price-data.js';
import { createModelMatcher } from './model-id.js';

/** A model's list price in USD per million tokens. */
export interface ModelPrice {
  provider: string;
  /** A readable model name (the family this pattern covers). */
  model: string;
  /** A regular expression tested against the normalized model id (see `normalizeModelId` in model-id.ts). */
  pattern: string;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  /** The date (YYYY-MM-DD) the price was taken from the provider's public price page. */
  taken: string;
}

export interface TokenUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens?: number;
  cache_write_tokens?: number;
  reasoning_tokens?: number;
}

/** A compiled price table: first matching pattern wins. */
export interface PriceBook {
  find(model: string): ModelPrice | undefined;
  readonly entries: readonly ModelPrice[];
}

/** Builds a price book; `overrides` (e.g. a project's own prices) are tried before the defaults. */
export function createPriceBook(overrides: readonly ModelPrice[] = [], base: readonly ModelPrice[] = PRICE_TABLE): PriceBook {
  const entries = [...overrides, ...base];
  const match = createModelMatcher(entries.map((e) => e.pattern));
  const cache = new Map<string, ModelPrice | undefined>();
  return {
    entries,
    find(model: string): ModelPrice | undefined {
      if (!model) return undefined;
      if (cache.has(model)) return cache.get(model);
      const hit = entries[match(model)];
      // Model ids are few; the cache keeps the hot path to one map lookup.
      if (cache.size < 10_000) cache.set(model, hit);
      return hit;
    },
  };
}

/**
 * Cost in USD of one call. Input tokens follow the OpenTelemetry convention: they include the
 * cached ones, so cache reads and writes are billed at their own rate and only the rest at the
 * input rate. Reasoning tokens are part of the output tokens and billed as output.
 */
export function computeCost(usage: TokenUsage, price: ModelPrice): number {
  const cacheRead = usage.cache_read_tokens ?? 0;
  const cacheWrite = usage.cache_write_tokens ?? 0;
  const plainInput = Math.max(0, usage.input_tokens - cacheRead - cacheWrite);
  const micro =
    plainInput * price.input + cacheRead * price.cacheRead + cacheWrite * price.cacheWrite + usage.output_tokens * price.output;
  return micro / 1_000_000;
}

// Pure: a bundle that never uses the default book (the dashboard) leaves the price table out.
export const DEFAULT_PRICE_BOOK: PriceBook = /* @__PURE__ */ createPriceBook();
export { PRICE_TABLE };
