import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { forceFlush, init } from '../src/index.js';
import type { CairnOptions } from '../src/index.js';

export interface Memory {
  exporter: InMemorySpanExporter;
  /** Flushes the batch processor and returns every span exported so far. */
  spans(): Promise<ReadableSpan[]>;
}

/** Cairn set up with a real batch processor exporting into OpenTelemetry's in-memory exporter. */
export function initMemory(opts: CairnOptions = {}): Memory {
  const exporter = new InMemorySpanExporter();
  init({ serviceName: 'sdk-test', ...opts, exporter, env: {} });
  return {
    exporter,
    async spans() {
      await forceFlush();
      return exporter.getFinishedSpans();
    },
  };
}

export const attr = (s: ReadableSpan, k: string): unknown => s.attributes[k];
export const kindOf = (s: ReadableSpan): unknown => s.attributes['cairn.span.kind'];
export const byName = (spans: ReadableSpan[], name: string): ReadableSpan => {
  const s = spans.find((x) => x.name === name);
  if (s === undefined) throw new Error(`no span named ${name}; have ${spans.map((x) => x.name).join(', ')}`);
  return s;
};
export const parentOf = (s: ReadableSpan): string | undefined => s.parentSpanContext?.spanId;
export const idOf = (s: ReadableSpan): string => s.spanContext().spanId;
