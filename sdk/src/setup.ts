import { context, diag, propagation, ProxyTracerProvider, trace } from '@opentelemetry/api';
import type { TracerProvider } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { createPriceBook, DEFAULT_PRICE_BOOK } from '@cairn/schemas/conventions';
import { resolveConfig } from './config.js';
import type { CairnOptions, ResolvedConfig } from './config.js';
import { ContentFilterExporter } from './content.js';
import { ReviewClient } from './escalation.js';
import { GuardClient } from './guard.js';
import { hasContextManager, resetContextCheck, rt, SDK_VERSION, TRACER_NAME } from './runtime.js';

/** How `init()` attached to OpenTelemetry. */
export type SetupMode =
  /** No SDK was registered: Cairn started `@opentelemetry/sdk-node` and registered it globally. */
  | 'global'
  /** The app already runs an OpenTelemetry SDK: Cairn exports its own spans with a private provider, sharing the app's context. */
  | 'beside'
  /** `tracerProvider` was given (with {@link cairnSpanProcessor} in it). */
  | 'provided';

interface Active {
  mode: SetupMode;
  sdk: NodeSDK | undefined;
  provider: { forceFlush(): Promise<void>; shutdown(): Promise<void> } | undefined;
}

let active: Active | undefined;

// Spans still in the batch when the event loop empties are sent before the process exits.
const flushOnExit = (): void => void shutdown();

function exporterFor(cfg: ResolvedConfig, opts: CairnOptions): SpanExporter {
  const inner =
    opts.exporter ??
    new OTLPTraceExporter({
      ...(cfg.tracesUrl !== undefined ? { url: cfg.tracesUrl } : {}),
      ...(Object.keys(cfg.headers).length > 0 ? { headers: cfg.headers } : {}),
    });
  return new ContentFilterExporter(inner, cfg.content.capture ? cfg.content.sampleRate : 1, cfg.content.redact);
}

/**
 * A batch span processor exporting to Cairn (OTLP/HTTP protobuf, content filtering applied), for
 * applications that build their own OpenTelemetry SDK: add it to its `spanProcessors` and pass
 * the provider to `init({ tracerProvider })`.
 */
export function cairnSpanProcessor(opts: CairnOptions = {}): SpanProcessor {
  return new BatchSpanProcessor(exporterFor(resolveConfig(opts), opts), opts.batch);
}

function hasGlobalProvider(): boolean {
  const tp = trace.getTracerProvider();
  if (!(tp instanceof ProxyTracerProvider)) return true;
  return tp.getDelegate().constructor.name !== 'NoopTracerProvider';
}

/**
 * Sets Cairn up: OTLP/HTTP protobuf export with batching to the collector. Reads
 * `CAIRN_ENDPOINT`, `CAIRN_API_KEY` and the standard `OTEL_*` variables. Beside an existing
 * OpenTelemetry setup it exports only its own spans and leaves the app's provider alone.
 * Calling it again replaces the previous setup (after flushing it).
 */
export function init(opts: CairnOptions = {}): { mode: SetupMode } {
  if (active !== undefined) void shutdown();
  const cfg = resolveConfig(opts);
  rt.content = cfg.content;
  rt.prices = opts.prices && opts.prices.length > 0 ? createPriceBook(opts.prices) : DEFAULT_PRICE_BOOK;
  rt.defaultCaps = opts.caps;
  rt.guard = opts.guard
    ? new GuardClient(opts.guard, opts.guard.apiKey ?? opts.apiKey ?? (opts.env ?? process.env).CAIRN_API_KEY)
    : undefined;
  rt.reviews = opts.reviews
    ? new ReviewClient(opts.reviews, opts.reviews.apiKey ?? opts.apiKey ?? (opts.env ?? process.env).CAIRN_API_KEY)
    : undefined;

  let provider: TracerProvider;
  let mode: SetupMode;
  let sdk: NodeSDK | undefined;
  let own: Active['provider'];
  const resourceAttrs = { ...opts.resourceAttributes, ...(cfg.serviceName ? { 'service.name': cfg.serviceName } : {}) };
  if (opts.tracerProvider !== undefined) {
    mode = 'provided';
    provider = opts.tracerProvider;
  } else if (hasGlobalProvider()) {
    mode = 'beside';
    const p = new NodeTracerProvider({
      resource: resourceFromAttributes(resourceAttrs),
      spanProcessors: [new BatchSpanProcessor(exporterFor(cfg, opts), opts.batch)],
    });
    // The app's SDK owns the globals; Cairn needs only a working context manager.
    if (!hasContextManager()) context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    provider = p;
    own = p;
  } else {
    mode = 'global';
    const env = opts.env ?? process.env;
    sdk = new NodeSDK({
      resource: resourceFromAttributes(opts.resourceAttributes ?? {}),
      ...(cfg.serviceName ? { serviceName: cfg.serviceName } : {}),
      spanProcessors: [new BatchSpanProcessor(exporterFor(cfg, opts), opts.batch)],
      textMapPropagator: new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
      // Cairn ingests traces only: no log pipeline unless the app asks for one.
      ...(env.OTEL_LOGS_EXPORTER ? {} : { logRecordProcessors: [] }),
      instrumentations: [],
    });
    sdk.start();
    provider = trace.getTracerProvider();
    own = (provider as ProxyTracerProvider).getDelegate() as unknown as Active['provider'];
    if (!hasContextManager()) context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  }
  rt.tracer = provider.getTracer(TRACER_NAME, SDK_VERSION);
  active = { mode, sdk, provider: own };
  process.once('beforeExit', flushOnExit);
  diag.debug(`cairn: initialized (${mode})`);
  return { mode };
}

/** Exports every finished span now (the agent never waits on export otherwise). */
export async function forceFlush(): Promise<void> {
  try {
    await active?.provider?.forceFlush();
  } catch (err) {
    diag.error('cairn: flush failed', err);
  }
}

/** Flushes and stops Cairn's export. Safe to call twice. */
export async function shutdown(): Promise<void> {
  const a = active;
  if (a === undefined) return;
  active = undefined;
  process.removeListener('beforeExit', flushOnExit);
  rt.tracer = trace.getTracer(TRACER_NAME, SDK_VERSION);
  try {
    await a.provider?.forceFlush();
    if (a.sdk) {
      await a.sdk.shutdown();
      // The globals were Cairn's: release them so a later setup (Cairn's or the app's) can
      // register — unless a new init() already runs on them (re-init without awaiting shutdown).
      if (active === undefined) {
        trace.disable();
        propagation.disable();
        context.disable();
        resetContextCheck();
      }
    } else if (a.mode === 'beside') await a.provider?.shutdown();
  } catch (err) {
    diag.error('cairn: shutdown failed', err);
  }
}
