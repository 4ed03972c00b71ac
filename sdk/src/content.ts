import type { Attributes, AttributeValue, SpanStatus } from '@opentelemetry/api';
import { SpanStatusCode } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter, TimedEvent } from '@opentelemetry/sdk-trace-base';
import { ATTR } from '@cairn/schemas/conventions';

/** A redaction hook: gets one text value (a prompt, an output, tool arguments, a state snapshot) and returns what may leave the process. */
export type Redactor = (text: string) => string;

/** What of prompts, outputs, tool arguments/results and state snapshots is recorded and exported. */
export interface ContentOptions {
  /** Record content at all (default true; env `CAIRN_CAPTURE_CONTENT=false` turns it off). Off: nothing is even serialized. */
  capture?: boolean;
  /**
   * Share of sessions (0..1) whose content is exported (default 1; env `CAIRN_CONTENT_SAMPLE_RATE`).
   * Decided per trace, so a session keeps all its content or none; a span that ends in error
   * always keeps its content.
   */
  sampleRate?: number;
  /** Applied to every content value (and exception messages) before export, off the agent's path. */
  redact?: Redactor;
  /** Longest content value recorded, in characters (default 100,000); longer ones are truncated. */
  maxChars?: number;
}

/** Attributes that carry content. */
export const CONTENT_KEYS: ReadonlySet<string> = new Set([
  ATTR.INPUT_MESSAGES,
  ATTR.OUTPUT_MESSAGES,
  ATTR.SYSTEM_INSTRUCTIONS,
  ATTR.TOOL_CALL_ARGUMENTS,
  ATTR.TOOL_CALL_RESULT,
  ATTR.RETRIEVAL_QUERY_TEXT,
  ATTR.RETRIEVAL_DOCUMENTS,
]);

const REDACTED_EVENT_KEYS: ReadonlySet<string> = new Set([
  ATTR.STATE_JSON,
  'exception.message',
  'exception.stacktrace',
  ATTR.ESCALATION_REASON,
]);

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// Provider and platform key shapes (sk-…, sk-ant-…, cairn_ik_…, ghp_…, AKIA…, xox?-…) and bearer tokens.
const API_KEY =
  /\b(?:sk-(?:ant-|proj-)?[A-Za-z0-9_-]{16,}|cairn_(?:ik|ak)_[A-Za-z0-9]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16}|xox[abprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{30,})\b|\b[Bb]earer\s+[A-Za-z0-9._~+/-]{16,}=*/g;

/** The shipped redactor: masks e-mail addresses and API-key-like strings. */
export function redactSecrets(text: string): string {
  return text.replace(EMAIL, '[email]').replace(API_KEY, '[api-key]');
}

/** Whether a trace's content is kept at `rate`: from the trace id's low 32 bits, so every process agrees. */
export function contentSampled(traceId: string, rate: number): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  const low = Number.parseInt(traceId.slice(-8), 16);
  return Number.isFinite(low) && low / 0x1_0000_0000 < rate;
}

function redactValue(v: AttributeValue | undefined, redact: Redactor): AttributeValue | undefined {
  if (typeof v === 'string') return redact(v);
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? redact(x) : x)) as AttributeValue;
  return v;
}

function filterSpan(span: ReadableSpan, keep: boolean, redact: Redactor | undefined): ReadableSpan {
  let attrs: Attributes | undefined;
  for (const k in span.attributes) {
    if (!CONTENT_KEYS.has(k)) continue;
    attrs ??= { ...span.attributes };
    if (!keep) delete attrs[k];
    else if (redact) attrs[k] = redactValue(attrs[k], redact);
  }
  let events: TimedEvent[] | undefined;
  if (redact !== undefined || !keep) {
    let changed = false;
    const next: TimedEvent[] = [];
    for (const e of span.events) {
      if (!keep && e.name === ATTR.EVENT_STATE) {
        changed = true;
        continue;
      }
      let ea: Attributes | undefined;
      if (redact !== undefined && e.attributes !== undefined) {
        for (const k in e.attributes) {
          if (!REDACTED_EVENT_KEYS.has(k)) continue;
          ea ??= { ...e.attributes };
          ea[k] = redactValue(ea[k], redact);
        }
      }
      if (ea !== undefined) changed = true;
      next.push(ea === undefined ? e : { ...e, attributes: ea });
    }
    if (changed) events = next;
  }
  let status: SpanStatus = span.status;
  if (redact && status.code === SpanStatusCode.ERROR && status.message) status = { ...status, message: redact(status.message) };
  if (attrs === undefined && events === undefined && status === span.status) return span;
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => span.spanContext(),
    parentSpanContext: span.parentSpanContext,
    startTime: span.startTime,
    endTime: span.endTime,
    status,
    attributes: attrs ?? span.attributes,
    links: span.links,
    events: events ?? span.events,
    duration: span.duration,
    ended: span.ended,
    resource: span.resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

/**
 * Wraps an exporter: drops the content of unsampled sessions (errored spans keep theirs) and
 * applies the redaction hook. It runs in the batch export, never on the agent's path.
 */
export class ContentFilterExporter implements SpanExporter {
  constructor(
    private readonly inner: SpanExporter,
    private readonly sampleRate: number,
    private readonly redact: Redactor | undefined,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.sampleRate >= 1 && this.redact === undefined) {
      this.inner.export(spans, resultCallback);
      return;
    }
    let out: ReadableSpan[];
    try {
      out = spans.map((s) =>
        filterSpan(
          s,
          s.status.code === SpanStatusCode.ERROR || contentSampled(s.spanContext().traceId, this.sampleRate),
          this.redact,
        ),
      );
    } catch (error) {
      // A throwing redactor must not leak unredacted content: drop the batch.
      resultCallback({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) });
      return;
    }
    this.inner.export(out, resultCallback);
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}
