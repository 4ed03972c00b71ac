import { DEFAULT_PRICE_BOOK, PriceList, priceOf } from '@cairn/schemas';
import type { ApiInstance } from '../types.js';
import { AUTH_ERRORS } from './common.js';

/**
 * The collector prices every project with the shipped table today (there are no per-project
 * overrides yet), so this answers the same book for every admin key; it is still an admin route
 * so a future project override never leaks to another project or to an ingest key.
 */
export function registerPriceRoutes(app: ApiInstance): void {
  const body: PriceList = { prices: DEFAULT_PRICE_BOOK.entries.map(priceOf) };
  app.get(
    '/api/prices',
    {
      schema: {
        tags: ['prices'],
        summary: 'The model price table costs are computed with',
        description:
          'USD per million input, output, cache-read and cache-write tokens, with the pattern each row matches ' +
          '(against the normalized model id; the first match wins) and the date the price was taken. The collector ' +
          'uses it only for spans without a cost of their own: a span carrying `cairn.cost.usd` (or `llm.cost.total`) ' +
          'keeps that cost.',
        response: { 200: PriceList, ...AUTH_ERRORS },
      },
    },
    async () => body,
  );
}
