import { ATTR } from '@cairn/schemas';
import type { Attributes } from '../../otlp/decoded.js';
import { asString, toJson } from '../attr-values.js';
import type { Extraction } from './extraction.js';

// Spans of one request share their resource object: its JSON is made once.
const resourceJson = new WeakMap<Attributes, string>();

function resourceText(r: Attributes): string {
  let s = resourceJson.get(r);
  if (s === undefined) {
    s = toJson(r);
    resourceJson.set(r, s);
  }
  return s;
}

/** Identity and timing: project, ids (an all-zero parent is none), name, times, service, resource. */
export function identityStep(x: Extraction): void {
  const { span: s, row } = x;
  row.project_id = x.ctx.projectId;
  row.trace_id = s.traceId;
  row.session_id = s.traceId; // until the names step finds a session id
  row.span_id = s.spanId;
  row.parent_span_id = s.parentSpanId === '0000000000000000' ? '' : s.parentSpanId;
  row.name = s.name;
  row.start_time_ns = s.startNs;
  row.end_time_ns = s.endNs;
  row.service_name = asString(s.resource[ATTR.SERVICE_NAME]) ?? '';
  row.resource_attributes = resourceText(s.resource);
}
