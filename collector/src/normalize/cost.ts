import { ATTR, FOREIGN_ATTR, computeCost, emptySpanRow } from '@cairn/schemas/conventions';
import type { ModelPrice, PriceBook, SpanKind, SpanRow } from '@cairn/schemas/conventions';
import type { AttrValue, Attributes } from '../otlp/decoded.js';
import { asCount, asNumber } from './attr-values.js';

/*
 * Tokens and cost of one span.
 *
 * No double counting: only the spans that are themselves one model call (kind `llm`) carry
 * tokens in the canonical columns. Session and agent spans never carry tokens or cost there,
 * even when the instrumentation puts an aggregate on them (the Vercel AI SDK's outer
 * `ai.generateText` repeats the usage of its `ai.generateText.doGenerate` children; OTel
 * `invoke_agent` spans may sum their calls; the Cairn SDK may total a run): those figures stay
 * in `attributes`. A cost the caller provides (`cairn.cost.usd`, else the proposed GenAI
 * `gen_ai.usage.cost.amount` when `gen_ai.usage.cost.currency` is `USD`, else OpenInference
 * `llm.cost.total`) wins on any other span kind too, so a paid tool call can report its price.
 * A GenAI cost in another currency (or with none named) is not converted: the amount stays in
 * `attributes` and the span's cost is `unknown` (0), never a wrong USD figure or a price-table
 * guess that would disagree with what was billed.
 *
 * Token totals missing (`gen_ai.usage.input_tokens` / `output_tokens` and their older names),
 * the per-modality counts of the unreleased GenAI token restructuring
 * (`gen_ai.usage.{text,image,audio,video}.input_tokens`, `gen_ai.usage.{text,audio}.output_tokens`,
 * each a subset of the total) are summed instead.
 *
 * cost_source: `provided` (given by the caller), `computed` (llm span with a priced model and
 * tokens), `unknown` (llm span whose model is missing or not in the price book, or that reports
 * no tokens; cost 0), `none` (the span carries no cost by nature).
 *
 * Input tokens follow the OTel convention: they include cached tokens. A source that reports
 * fewer input tokens than cache reads + writes evidently counted them apart (Anthropic's raw
 * usage does), so they are added back.
 */

const INPUT_KEYS = [
  ATTR.USAGE_INPUT_TOKENS,
  ATTR.USAGE_PROMPT_TOKENS,
  FOREIGN_ATTR.OI_PROMPT_TOKENS,
  FOREIGN_ATTR.AI_USAGE_INPUT_TOKENS,
  FOREIGN_ATTR.AI_USAGE_PROMPT_TOKENS,
] as const;
const OUTPUT_KEYS = [
  ATTR.USAGE_OUTPUT_TOKENS,
  ATTR.USAGE_COMPLETION_TOKENS,
  FOREIGN_ATTR.OI_COMPLETION_TOKENS,
  FOREIGN_ATTR.AI_USAGE_OUTPUT_TOKENS,
  FOREIGN_ATTR.AI_USAGE_COMPLETION_TOKENS,
] as const;
const CACHE_READ_KEYS = [
  ATTR.USAGE_CACHE_READ_TOKENS,
  FOREIGN_ATTR.OI_CACHE_READ_TOKENS,
  FOREIGN_ATTR.AI_USAGE_CACHED_INPUT_TOKENS,
] as const;
const CACHE_WRITE_KEYS = [ATTR.USAGE_CACHE_WRITE_TOKENS, FOREIGN_ATTR.OI_CACHE_WRITE_TOKENS] as const;
const REASONING_KEYS = [
  ATTR.USAGE_REASONING_TOKENS,
  FOREIGN_ATTR.OI_REASONING_TOKENS,
  FOREIGN_ATTR.AI_USAGE_REASONING_TOKENS,
] as const;
const INPUT_MODALITY_KEYS = [
  ATTR.USAGE_TEXT_INPUT_TOKENS,
  ATTR.USAGE_IMAGE_INPUT_TOKENS,
  ATTR.USAGE_AUDIO_INPUT_TOKENS,
  ATTR.USAGE_VIDEO_INPUT_TOKENS,
] as const;
const OUTPUT_MODALITY_KEYS = [ATTR.USAGE_TEXT_OUTPUT_TOKENS, ATTR.USAGE_AUDIO_OUTPUT_TOKENS] as const;

/** Keys any token convention uses: their presence hints that a span is a model call. */
export const TOKEN_HINT_KEYS: readonly string[] = [
  ...INPUT_KEYS,
  ...OUTPUT_KEYS,
  ...INPUT_MODALITY_KEYS,
  ...OUTPUT_MODALITY_KEYS,
];

/** The row's columns this step fills. */
type CostColumn =
  'input_tokens' | 'output_tokens' | 'cache_read_tokens' | 'cache_write_tokens' | 'reasoning_tokens' | 'cost_usd' | 'cost_source';

export type SpanCost = Pick<SpanRow, CostColumn> & {
  /** The price-book entry used for `computed` (or found for the model), for the provider fallback. */
  price: ModelPrice | undefined;
};

/**
 * The first key's count (`sum` false: alternative names of one count), or the sum of every key
 * present (`sum` true: the per-modality parts of a total); undefined when no key has a count.
 */
function count(a: Attributes, keys: readonly string[], used: string[], sum = false): number | undefined {
  let total: number | undefined;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    const v: AttrValue | undefined = a[k];
    if (v === undefined) continue;
    const n = asCount(v);
    if (n === undefined) continue;
    used.push(k);
    if (!sum) return n;
    total = (total ?? 0) + n;
  }
  return total;
}

function usdAmount(a: Attributes, k: string, used: string[]): number | undefined {
  const n = asNumber(a[k]);
  if (n === undefined || n < 0) return undefined;
  used.push(k);
  return n;
}

/**
 * The caller's cost in USD; `foreign` when the only cost given is a GenAI amount in another (or
 * no) currency, which is kept in attributes and makes the cost unknown.
 */
function providedCost(a: Attributes, used: string[]): number | 'foreign' | undefined {
  const cairn = usdAmount(a, ATTR.COST_USD, used);
  if (cairn !== undefined) return cairn;
  const amount = asNumber(a[ATTR.USAGE_COST_AMOUNT]);
  let foreign = false;
  if (amount !== undefined && amount >= 0) {
    const currency = a[ATTR.USAGE_COST_CURRENCY];
    if (typeof currency === 'string' && currency.trim().toUpperCase() === 'USD') {
      used.push(ATTR.USAGE_COST_AMOUNT);
      return amount;
    }
    foreign = true;
  }
  const oi = usdAmount(a, FOREIGN_ATTR.OI_COST_TOTAL, used);
  if (oi !== undefined) return oi;
  return foreign ? 'foreign' : undefined;
}

const UNKNOWN_COST = { cost_usd: 0, cost_source: 'unknown' } as const;

/** The blank row's cost columns: no tokens, no cost, `cost_source: 'none'`. */
const NO_COST: SpanCost = (() => {
  const { input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_usd, cost_source } =
    emptySpanRow();
  return {
    input_tokens,
    output_tokens,
    cache_read_tokens,
    cache_write_tokens,
    reasoning_tokens,
    cost_usd,
    cost_source,
    price: undefined,
  };
})();

/** Tokens and cost columns of a span; consumed attribute keys are pushed onto `used`. */
export function spanCost(kind: SpanKind, a: Attributes, model: string, priceBook: PriceBook, used: string[]): SpanCost {
  if (kind === 'session' || kind === 'agent') return NO_COST;
  if (kind !== 'llm') {
    const provided = providedCost(a, used);
    if (provided === undefined) return NO_COST;
    return provided === 'foreign' ? { ...NO_COST, ...UNKNOWN_COST } : { ...NO_COST, cost_usd: provided, cost_source: 'provided' };
  }
  const input = count(a, INPUT_KEYS, used) ?? count(a, INPUT_MODALITY_KEYS, used, true);
  const output = count(a, OUTPUT_KEYS, used) ?? count(a, OUTPUT_MODALITY_KEYS, used, true);
  const cacheRead = count(a, CACHE_READ_KEYS, used) ?? 0;
  const cacheWrite = count(a, CACHE_WRITE_KEYS, used) ?? 0;
  const reasoning = count(a, REASONING_KEYS, used) ?? 0;
  let inputTokens = input ?? 0;
  if (inputTokens < cacheRead + cacheWrite) inputTokens += cacheRead + cacheWrite;
  const outputTokens = output ?? 0;
  const price = model === '' ? undefined : priceBook.find(model);
  const base: SpanCost = {
    input_tokens: inputTokens,
    output_tokens: outputTokens,
    cache_read_tokens: cacheRead,
    cache_write_tokens: cacheWrite,
    reasoning_tokens: reasoning,
    cost_usd: 0,
    cost_source: 'unknown',
    price,
  };
  const provided = providedCost(a, used);
  if (provided === 'foreign') {
    // Not converted and not priced: the billed amount is in attributes, in its own currency.
  } else if (provided !== undefined) {
    base.cost_usd = provided;
    base.cost_source = 'provided';
  } else if (price !== undefined && (input !== undefined || output !== undefined)) {
    base.cost_usd = computeCost(base, price);
    base.cost_source = 'computed';
  }
  return base;
}
