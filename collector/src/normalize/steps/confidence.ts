import { ATTR } from '@cairn/schemas';
import type { AttrValue, DecodedEvent } from '../../otlp/decoded.js';
import { asNumber } from '../attr-values.js';
import type { Extraction } from './extraction.js';

const EV_EVALUATION = 'gen_ai.evaluation.result';

function confidenceOf(v: AttrValue | undefined): number | null {
  const n = asNumber(v);
  return n !== undefined && n >= 0 && n <= 1 ? n : null;
}

/**
 * Confidence (0..1): `cairn.confidence`, else a GenAI evaluation score on the span, else the
 * first `gen_ai.evaluation.result` event's score; null when none is in range.
 */
export function confidenceStep(x: Extraction): void {
  const { a, row } = x;
  let confidence = confidenceOf(a[ATTR.CONFIDENCE]);
  if (confidence !== null) x.consumed.used.push(ATTR.CONFIDENCE);
  else {
    confidence = confidenceOf(a[ATTR.EVALUATION_SCORE]);
    if (confidence !== null) x.consumed.used.push(ATTR.EVALUATION_SCORE);
  }
  const events = x.span.events;
  for (let i = 0; i < events.length && confidence === null; i++) {
    const e = events[i] as DecodedEvent;
    if (e.name === EV_EVALUATION) confidence = confidenceOf(e.attributes[ATTR.EVALUATION_SCORE]);
  }
  row.confidence = confidence;
}
