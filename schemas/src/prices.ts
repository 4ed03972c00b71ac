import { PRICE_TABLE } from './price-data.js';

/** A model's list price in USD per million tokens. */
export interface ModelPrice {
  provider: string;
  /** A readable model name (the family this pattern covers). */
  model: string;
  /** A regular expression tested against the normalized model id (see {@link normalizeModelId}). */
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

/**
 * Lower-cases and strips routing prefixes (`openai/`, `models/`, `accounts/.../models/`,
 * Bedrock's `us.anthropic.`), so ids from gateways and cloud SDKs match the same entry.
 */
export function normalizeModelId(model: string): string {
  let id = model.trim().toLowerCase();
  const slash = id.lastIndexOf('/');
  if (slash >= 0) id = id.slice(slash + 1);
  id = id.replace(/^(?:[a-z]{2}\.)?(?:anthropic|meta|mistral|amazon|cohere)\./, '');
  // Bedrock's version suffix, e.g. claude-3-5-sonnet-20240620-v1:0
  id = id.replace(/-v\d+(?::\d+)?$/, '');
  return id;
}

/** A compiled price table: first matching pattern wins. */
export interface PriceBook {
  find(model: string): ModelPrice | undefined;
  readonly entries: readonly ModelPrice[];
}

/** Builds a price book; `overrides` (e.g. a project's own prices) are tried before the defaults. */
export function createPriceBook(overrides: readonly ModelPrice[] = [], base: readonly ModelPrice[] = PRICE_TABLE): PriceBook {
  const entries = [...overrides, ...base];
  const compiled = entries.map((e) => ({ e, re: new RegExp(e.pattern) }));
  const cache = new Map<string, ModelPrice | undefined>();
  return {
    entries,
    find(model: string): ModelPrice | undefined {
      if (!model) return undefined;
      if (cache.has(model)) return cache.get(model);
      const id = normalizeModelId(model);
      const hit = compiled.find((c) => c.re.test(id))?.e;
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

export const DEFAULT_PRICE_BOOK: PriceBook = createPriceBook();
export { PRICE_TABLE };
