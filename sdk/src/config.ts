import type { Attributes, TracerProvider } from '@opentelemetry/api';
import type { BufferConfig, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { ModelPrice } from '@cairn/schemas/conventions';
import type { ContentOptions, Redactor } from './content.js';
import type { ReviewOptions } from './escalation.js';
import type { GuardOptions } from './guard.js';
import type { RunCaps } from './run-state.js';

/** Options of {@link init}. Every field is optional: the environment fills the rest. */
export interface CairnOptions {
  /** Collector base URL (`/v1/traces` is appended). Env `CAIRN_ENDPOINT`, then the `OTEL_EXPORTER_OTLP_*` variables, then `http://localhost:4318`. */
  endpoint?: string;
  /** Ingest key (`cairn_ik_…`), sent as `Authorization: Bearer`. Env `CAIRN_API_KEY`. */
  apiKey?: string;
  /** `service.name` of this process. Env `OTEL_SERVICE_NAME`. */
  serviceName?: string;
  /** Extra resource attributes (`OTEL_RESOURCE_ATTRIBUTES` is read too). */
  resourceAttributes?: Attributes;
  /** Caps applied to every session unless the session sets its own. */
  caps?: RunCaps;
  /** Prompt/output capture, sampling and redaction. */
  content?: ContentOptions;
  /** Price overrides, tried before the built-in table (keep them in line with the project's server-side prices). */
  prices?: readonly ModelPrice[];
  /** Exporter to use instead of OTLP/HTTP protobuf (tests, other transports). Content filtering still applies. */
  exporter?: SpanExporter;
  /** Batch span processor settings (defaults: OpenTelemetry's, or the `OTEL_BSP_*` variables). */
  batch?: BufferConfig;
  /**
   * Use this tracer provider instead of building one: for applications that already run an
   * OpenTelemetry SDK and added {@link cairnSpanProcessor} to it.
   */
  tracerProvider?: TracerProvider;
  /** Ask the Cairn server's guard before and during runs (hard-stop budgets). Off by default. */
  guard?: GuardOptions;
  /** Review queues: `escalate(…, { wait: true })` and trust thresholds talk to this Cairn API. Off by default. */
  reviews?: ReviewOptions;
  /** Environment to read (default `process.env`). */
  env?: Record<string, string | undefined>;
}

export interface ResolvedContent {
  capture: boolean;
  sampleRate: number;
  redact: Redactor | undefined;
  maxChars: number;
}

export interface ResolvedConfig {
  /** Full traces URL, or undefined to let the OTLP exporter read `OTEL_EXPORTER_OTLP_*`. */
  tracesUrl: string | undefined;
  headers: Record<string, string>;
  serviceName: string | undefined;
  content: ResolvedContent;
}

function bool(v: string | undefined): boolean | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  return !/^(0|false|no|off)$/i.test(v.trim());
}

function rate(v: number | string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : undefined;
}

/** Settles options against the environment: explicit options win, then `CAIRN_*`, then `OTEL_*`. */
export function resolveConfig(opts: CairnOptions): ResolvedConfig {
  const env = opts.env ?? process.env;
  const base = opts.endpoint ?? env.CAIRN_ENDPOINT;
  let tracesUrl: string | undefined;
  if (base !== undefined && base !== '') {
    const trimmed = base.replace(/\/+$/, '');
    tracesUrl = trimmed.endsWith('/v1/traces') ? trimmed : `${trimmed}/v1/traces`;
  } else if (!env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT && !env.OTEL_EXPORTER_OTLP_ENDPOINT) {
    tracesUrl = 'http://localhost:4318/v1/traces';
  }
  const apiKey = opts.apiKey ?? env.CAIRN_API_KEY;
  const headers: Record<string, string> = {};
  if (apiKey) headers.Authorization = `Bearer ${apiKey}`;
  const c = opts.content ?? {};
  return {
    tracesUrl,
    headers,
    serviceName: opts.serviceName ?? env.OTEL_SERVICE_NAME,
    content: {
      capture: c.capture ?? bool(env.CAIRN_CAPTURE_CONTENT) ?? true,
      sampleRate: rate(c.sampleRate) ?? rate(env.CAIRN_CONTENT_SAMPLE_RATE) ?? 1,
      redact: c.redact,
      maxChars: c.maxChars ?? 100_000,
    },
  };
}
