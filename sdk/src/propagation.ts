import { context, propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import type { Context, TextMapGetter, TextMapSetter } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';

// Cairn's own W3C propagator: the helpers work whatever global propagator the app registered.
const w3c = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });

/** Fetch `Headers`, Node's `IncomingHttpHeaders`, or a plain record. */
export type HeaderCarrier = { get(name: string): string | null } | Record<string, string | string[] | undefined>;

const setter: TextMapSetter<Record<string, string>> = {
  set(carrier, key, value) {
    carrier[key] = value;
  },
};

function isHeaders(c: HeaderCarrier): c is { get(name: string): string | null } {
  return typeof (c as { get?: unknown }).get === 'function';
}

const getter: TextMapGetter<HeaderCarrier> = {
  keys(c) {
    if (isHeaders(c)) return [];
    return Object.keys(c);
  },
  get(c, key) {
    if (isHeaders(c)) return c.get(key) ?? undefined;
    const direct = c[key] ?? c[Object.keys(c).find((k) => k.toLowerCase() === key) ?? ''];
    return direct;
  },
};

/**
 * Adds W3C `traceparent` (+ `tracestate`) and `baggage` for the current step to `headers` (a new
 * object when omitted) and returns it: pass it on an HTTP request to a sub-agent in another
 * service, which joins the session with {@link continueSession}.
 */
export function injectHeaders<T extends Record<string, string>>(
  headers?: T,
  ctx: Context = context.active(),
): T & Record<string, string> {
  const out = (headers ?? {}) as T & Record<string, string>;
  w3c.inject(ctx, out, setter);
  return out;
}

/** The context carried by incoming request headers (trace parent and baggage), on top of `base`. */
export function extractContext(headers: HeaderCarrier, base: Context = ROOT_CONTEXT): Context {
  return w3c.extract(base, headers, getter);
}

/** The baggage entries of `ctx`, for debugging propagation. */
export function baggageOf(ctx: Context = context.active()): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of propagation.getBaggage(ctx)?.getAllEntries() ?? []) out[k] = v.value;
  return out;
}
