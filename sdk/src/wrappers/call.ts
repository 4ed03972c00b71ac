import { context } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { llmSpec, recordLlmResult } from '../llm.js';
import type { LlmRequest, LlmResult } from '../llm.js';
import type { Scope } from '../runtime.js';
import { failSpan, startStep } from '../steps.js';

/** Options of `wrapOpenAI` / `wrapAnthropic`. */
export interface WrapOptions {
  /**
   * OpenAI chat completions only: add `stream_options.include_usage` to streamed requests so
   * tokens and cost are known (the stream then ends with a chunk whose `choices` is empty).
   * Default false: requests are sent as written, and a stream without usage records none.
   */
  streamUsage?: boolean;
}

/** Collects a streamed answer chunk by chunk. */
export interface Accumulator<C> {
  add(chunk: C): void;
  result(): LlmResult;
}

/** How one provider method maps onto an LLM span. */
export interface Adapter<P, R, C> {
  request(params: P): LlmRequest;
  result(data: R): LlmResult;
  accumulator(): Accumulator<C>;
  /** Rewrites the request before it is sent (e.g. to ask for streamed usage). */
  prepare?(params: P): P;
}

type AnyFn = (this: unknown, params: unknown, options?: unknown) => unknown;

const WRAPPED = Symbol.for('cairn.wrapped');

interface Live {
  span: Span;
  scope: Scope | undefined;
  model: string;
  done: boolean;
}

function end(live: Live, res: LlmResult | undefined, err?: unknown): unknown {
  if (live.done) return undefined;
  live.done = true;
  let stop: unknown;
  if (res !== undefined) stop = recordLlmResult(live.span, live.scope, live.model, res);
  const failure = err ?? stop;
  if (failure !== undefined) failSpan(live.span, failure);
  live.span.end();
  return stop;
}

function wrapIterator<C>(inner: AsyncIterator<C>, live: Live, acc: Accumulator<C>): AsyncIterator<C> & AsyncIterable<C> {
  const it: AsyncIterator<C> & AsyncIterable<C> = {
    async next(): Promise<IteratorResult<C>> {
      let r: IteratorResult<C>;
      try {
        r = await inner.next();
      } catch (err) {
        end(live, acc.result(), err);
        throw err;
      }
      if (r.done) {
        const stop = end(live, acc.result());
        if (stop !== undefined) throw stop;
      } else {
        try {
          acc.add(r.value);
        } catch {
          // A chunk shape we do not know must not break the application's stream.
        }
      }
      return r;
    },
    async return(value?: unknown): Promise<IteratorResult<C>> {
      // The application stopped reading early: record what arrived.
      end(live, acc.result());
      return inner.return ? inner.return(value) : { done: true, value: value as C };
    },
    [Symbol.asyncIterator]() {
      return it;
    },
  };
  if (inner.throw) {
    it.throw = async (e?: unknown) => {
      end(live, acc.result(), e);
      return (inner.throw as (e?: unknown) => Promise<IteratorResult<C>>)(e);
    };
  }
  return it;
}

/** Routes a provider stream's chunks through the accumulator; the span ends when reading ends. */
function observeStream<C>(stream: unknown, live: Live, acc: Accumulator<C>): unknown {
  const s = stream as { iterator?: () => AsyncIterator<C>; [Symbol.asyncIterator]?: () => AsyncIterator<C> };
  // The SDKs' Stream keeps its source in `iterator`, which both iteration and tee() read.
  if (typeof s.iterator === 'function') {
    const orig = s.iterator;
    s.iterator = () => wrapIterator(orig.call(s), live, acc);
  } else if (typeof s[Symbol.asyncIterator] === 'function') {
    const orig = s[Symbol.asyncIterator] as () => AsyncIterator<C>;
    s[Symbol.asyncIterator] = () => wrapIterator(orig.call(s), live, acc);
  } else end(live, acc.result());
  return stream;
}

function withSignal(options: unknown, scope: Scope | undefined): unknown {
  const run = scope?.run;
  if (run === undefined) return options;
  const o = (options ?? {}) as { signal?: AbortSignal };
  const signal = o.signal ? AbortSignal.any([o.signal, run.signal]) : run.signal;
  return { ...o, signal };
}

/**
 * Replaces `target[method]` with a version that records an LLM span per call. The provider
 * client's own OpenTelemetry spans (Anthropic's SDK has them) are suppressed inside the call:
 * Cairn's span is the one record of it, so its cost is counted once.
 */
export function instrumentMethod<P, R, C>(
  target: Record<string, unknown> | undefined,
  method: string,
  adapter: Adapter<P, R, C>,
  isStream: (p: P) => boolean,
): void {
  if (target === undefined || target === null) return;
  const orig = target[method] as AnyFn | undefined;
  if (typeof orig !== 'function' || (orig as { [WRAPPED]?: boolean })[WRAPPED]) return;
  const wrapped = function (this: unknown, params: unknown, options?: unknown): unknown {
    const p = params as P;
    let req: LlmRequest;
    try {
      req = adapter.request(p);
    } catch {
      return orig.call(this, params, options);
    }
    const started = startStep(llmSpec(req));
    if (!('span' in started)) return Promise.reject(started);
    const live: Live = { span: started.span, scope: started.scope, model: req.model, done: false };
    let out: unknown;
    try {
      const sent = adapter.prepare ? adapter.prepare(p) : params;
      out = context.with(suppressTracing(started.ctx), () => orig.call(this, sent, withSignal(options, started.scope)));
    } catch (err) {
      end(live, undefined, err);
      throw err;
    }
    const streaming = isStream(p);
    const onData = (data: unknown): unknown => {
      if (streaming) return observeStream(data, live, adapter.accumulator());
      let res: LlmResult | undefined;
      try {
        res = adapter.result(data as R);
      } catch {
        res = undefined;
      }
      const stop = end(live, res ?? {});
      if (stop !== undefined) throw stop;
      return data;
    };
    const onError = (err: unknown): void => {
      end(live, undefined, err);
    };
    const api = out as { _thenUnwrap?: (f: (d: unknown) => unknown) => { parse: () => Promise<unknown> } } | undefined;
    if (api !== undefined && api !== null && typeof api._thenUnwrap === 'function') {
      // Keep the SDK's APIPromise (withResponse(), asResponse()): transform its parsed data.
      const next = api._thenUnwrap(onData);
      const parse = next.parse.bind(next);
      next.parse = () => {
        const r = parse();
        r.then(undefined, onError);
        return r;
      };
      return next;
    }
    return Promise.resolve(out).then(onData, (err: unknown) => {
      onError(err);
      throw err;
    });
  };
  (wrapped as unknown as { [WRAPPED]: boolean })[WRAPPED] = true;
  target[method] = wrapped;
}
