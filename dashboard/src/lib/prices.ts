import type { Price } from '../api/types';

/** A price per million tokens: at least cents, up to four decimals ($2.50, $0.075, $0.0375). */
export function perMillion(usd: number): string {
  if (!Number.isFinite(usd)) return '—';
  if (usd === 0) return '$0';
  if (Math.abs(usd) < 0.001) return `$${usd.toPrecision(2)}`;
  const fixed = usd.toFixed(4).replace(/0{1,2}$/, '');
  return `$${fixed}`;
}

/** A model id as the collector matches it: lower-cased, routing prefixes (`openai/…`) dropped. */
function asModelId(q: string): string {
  const id = q.trim().toLowerCase();
  return id.slice(id.lastIndexOf('/') + 1);
}

function matches(pattern: string, id: string): boolean {
  try {
    return new RegExp(pattern).test(id);
  } catch {
    return false;
  }
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
  const id = asModelId(q);
  const winner = prices.findIndex((p) => matches(p.pattern, id));
  const out: PriceRow[] = [];
  prices.forEach((price, i) => {
    const text = `${price.provider} ${price.model} ${price.pattern}`.toLowerCase();
    if (i === winner || text.includes(q)) out.push({ price, pricesQuery: i === winner });
  });
  return out;
}
