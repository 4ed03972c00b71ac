import { ATTR } from '@cairn/schemas';
import type { AttrValue, Attributes, DecodedEvent } from '../../otlp/decoded.js';
import { setAttr } from '../../otlp/otlp-common.js';
import { capValue, toJson } from '../attr-values.js';
import { USAGE_REPORTED_ATTR, usageNotReported } from '../conventions-names.js';
import type { Extraction } from './extraction.js';

/** Event attributes with long strings capped, minus `drop` (a key already stored in a column). */
function eventAttrs(attrs: Attributes, drop: string | undefined): Attributes {
  let out: Attributes | undefined;
  for (const k in attrs) {
    const v = attrs[k] as AttrValue;
    const capped = capValue(v);
    if (k === drop || capped !== v) {
      if (out === undefined) {
        out = {};
        for (const k2 in attrs) {
          if (k2 === k) break;
          setAttr(out, k2, attrs[k2] as AttrValue);
        }
      }
      if (k !== drop) setAttr(out, k, capped);
    } else if (out !== undefined) setAttr(out, k, v);
  }
  return out ?? attrs;
}

/**
 * Attributes and events: what no column took stays, long values capped, as the `attributes`
 * JSON object and the `events` JSON array. Runs last: it reads what every other step consumed.
 */
export function attributesStep(x: Extraction): void {
  const { a, row, consumed } = x;
  const rest: Attributes = {};
  const { used, prefixes } = consumed;
  for (const k in a) {
    if (used.includes(k)) continue;
    if (prefixes.length > 0 && prefixes.some((p) => k.startsWith(p))) continue;
    setAttr(rest, k, capValue(a[k] as AttrValue));
  }
  if (x.cost !== undefined && usageNotReported(row.kind, a, x.cost.cost_source)) setAttr(rest, USAGE_REPORTED_ATTR, false);
  row.attributes = toJson(rest);
  const events = x.span.events;
  if (events.length > 0) {
    const out: { name: string; time_ns: string; attributes: Attributes }[] = [];
    for (let i = 0; i < events.length; i++) {
      if (consumed.events.includes(i)) continue;
      const e = events[i] as DecodedEvent;
      out.push({
        name: e.name,
        time_ns: e.timeNs.toString(),
        attributes: eventAttrs(e.attributes, i === x.stateEvent ? ATTR.STATE_JSON : undefined),
      });
    }
    row.events = toJson(out);
  }
}
