import { ATTR, FOREIGN_ATTR } from '@cairn/schemas';
import { takeString } from '../attr-values.js';
import { spanCost } from '../cost.js';
import { normalizeProvider } from '../provider.js';
import type { Extraction } from './extraction.js';

const PROVIDER_KEYS = [
  ATTR.PROVIDER_NAME,
  ATTR.SYSTEM,
  FOREIGN_ATTR.OI_PROVIDER,
  FOREIGN_ATTR.OI_SYSTEM,
  FOREIGN_ATTR.AI_MODEL_PROVIDER,
];

/**
 * Tokens, cost (cost.ts: provided, else computed from the price book) and provider (the span's
 * own, normalized; else the one the price book knows the model by). Reads `kind` and `model`.
 */
export function tokensCostStep(x: Extraction): void {
  const { a, row } = x;
  const used = x.consumed.used;
  const providerRaw = takeString(a, PROVIDER_KEYS, used);
  const cost = spanCost(row.kind, a, row.model, x.ctx.priceBook, used);
  x.cost = cost;
  row.provider = providerRaw !== '' ? normalizeProvider(providerRaw) : (cost.price?.provider ?? '');
  row.input_tokens = cost.input_tokens;
  row.output_tokens = cost.output_tokens;
  row.cache_read_tokens = cost.cache_read_tokens;
  row.cache_write_tokens = cost.cache_write_tokens;
  row.reasoning_tokens = cost.reasoning_tokens;
  row.cost_usd = cost.cost_usd;
  row.cost_source = cost.cost_source;
}
