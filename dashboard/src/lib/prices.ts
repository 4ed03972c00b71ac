import { createModelMatcher } from '@cairn/schemas/conventions';
import type { Price } from '../api/types';

/** A price per million tokens: at least cents, up to four decimals ($2.50, $0.075, $0.0375). */
export function perMillion(usd: number): string {
  if (!Number.isFinite(usd)) return '—';
  if (usd === 0) return '$0';
  if (Math.abs(usd) < 0.001) return `$${usd.toPrecision(2)}`;
  const fixed = usd.toFixed(4).replace(/0{1,2}$/, '');
  return `$${fixed}`;
}

export interface PriceRow {
  price: Price;
  /** The row that would price the searched text if it were a model id (the first pattern that matches). */
  pricesQuery: boolean;
}

/**
 * Rows whose provider, model or pattern contain the search text, plus rows whose pattern matches
 * it as a model id — so pasting `gpt-4o-2024-08-06` finds the `gpt-4o` row, and the one that
 * wins (first match, as in the collector) is flagged. Order stays the table's match order.
 */
export function searchPrices(prices: readonly Price[], query: string): PriceRow[] {
  const q = query.trim().toLowerCase();
  if (q === '') return prices.map((price) => ({ price, pricesQuery: false }));
  // The collector's own lookup (Bedrock, Vertex and gateway prefixes included), so the flagged
  // row is the one that prices this id. Patterns come from the server: one it could not compile
  // is skipped rather than breaking the search.
  const winner = createModelMatcher(
    prices.map((p) => p.pattern),
    { skipInvalid: true },
  )(q);
  const out: PriceRow[] = [];
  prices.forEach((price, i) => {
    const text = `${price.provider} ${price.model} ${price.pattern}`.toLowerCase();
    if (i === winner || text.includes(q)) out.push({ price, pricesQuery: i === winner });
  });
  return out;
}
