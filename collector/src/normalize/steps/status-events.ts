import { ATTR, type SpanStatus } from '@cairn/schemas';
import type { DecodedEvent } from '../../otlp/decoded.js';
import { MAX_ATTR_VALUE_CHARS, MAX_PAYLOAD_CHARS, asString, asText, capText } from '../attr-values.js';
import type { Extraction } from './extraction.js';

/**
 * Errors, status and the events that flag a span: the OTLP status, failed by an `exception`
 * event or an `error.type` attribute; escalations, cap hits and the last state snapshot.
 */
export function statusEventsStep(x: Extraction): void {
  const { a, row, span: s } = x;
  let status: SpanStatus = s.statusCode === 2 ? 'error' : s.statusCode === 1 ? 'ok' : 'unset';
  let statusMessage = s.statusMessage;
  let hasEscalation = row.kind === 'escalation';
  let hasLimitHit = false;
  let stateIndex = -1;
  const events = s.events;
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as DecodedEvent;
    switch (e.name) {
      case ATTR.EVENT_STATE:
        if (e.attributes[ATTR.STATE_JSON] !== undefined) stateIndex = i;
        break;
      case ATTR.EVENT_ESCALATION:
      case ATTR.EVENT_ESCALATION_DECISION:
        // A decision (SDK `escalate(…, { wait: true })`) flags its step too, so the replay finds it.
        hasEscalation = true;
        break;
      case ATTR.EVENT_LIMIT_EXCEEDED:
        hasLimitHit = true;
        break;
      case 'exception':
        // A span explicitly marked OK handled its exception; otherwise the exception failed it.
        if (s.statusCode !== 1) {
          status = 'error';
          if (statusMessage === '') {
            const type = asString(e.attributes['exception.type']) ?? '';
            const msg = asString(e.attributes['exception.message']) ?? '';
            statusMessage = type !== '' && msg !== '' ? `${type}: ${msg}` : type || msg;
          }
        }
        break;
    }
  }
  // `error.type` is set exactly when the operation failed (OpenTelemetry's recording-errors rule;
  // MCP sets `tool_error` for a CallToolResult with isError): a failure even with the status unset.
  if (s.statusCode === 0) {
    const errorType = asString(a[ATTR.ERROR_TYPE]);
    if (errorType !== undefined && errorType !== '') {
      status = 'error';
      if (statusMessage === '') statusMessage = errorType;
    }
  }
  let state = '';
  if (stateIndex >= 0) state = asText((events[stateIndex] as DecodedEvent).attributes[ATTR.STATE_JSON]);
  else if (a[ATTR.STATE_JSON] !== undefined) {
    state = asText(a[ATTR.STATE_JSON]);
    x.consumed.used.push(ATTR.STATE_JSON);
  }
  x.stateEvent = stateIndex;
  row.status = status;
  row.status_message = capText(statusMessage, MAX_ATTR_VALUE_CHARS);
  row.has_escalation = hasEscalation;
  row.has_limit_hit = hasLimitHit;
  row.state = capText(state, MAX_PAYLOAD_CHARS);
}
