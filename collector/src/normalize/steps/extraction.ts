import type { PriceBook, SpanRow } from '@cairn/schemas';
import type { Attributes, DecodedSpan } from '../../otlp/decoded.js';
import type { SpanCost } from '../cost.js';
import type { Consumed } from '../payload.js';

export interface NormalizeContext {
  projectId: string;
  priceBook: PriceBook;
}

/**
 * One span on its way to a row (normalize.ts reuses one record for every span; steps only fill `row`
 * and the bookkeeping). `row` starts blank (every column of SPAN_TABLE at its blank
 * value) and each extraction step fills the columns it owns; `consumed` records which
 * attributes, prefixes and events went into a column, so the last step leaves only the rest in
 * `attributes` / `events`.
 */
export interface Extraction {
  span: DecodedSpan;
  /** `span.attributes`. */
  a: Attributes;
  ctx: NormalizeContext;
  row: SpanRow;
  readonly consumed: Consumed;
  /** The session id the span names itself ('' when none): kind inference and the session column read it. */
  sessionAttr: string;
  /** The tokens-and-cost step's result (its price names the provider, usage flags read it). */
  cost: SpanCost | undefined;
  /** Index of the state event whose JSON became `state` (-1: none); its copy leaves `events`. */
  stateEvent: number;
}

/** One extraction step: fills its columns of `x.row`. */
export type ExtractionStep = (x: Extraction) => void;
