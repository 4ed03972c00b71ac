import { context, diag, INVALID_SPAN_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Attributes, AttributeValue, Context, Span } from '@opentelemetry/api';
import { ATTR } from '@cairn/schemas/conventions';
import type { AutonomyLevel, SpanKind } from '@cairn/schemas/conventions';
import { escalateAndWait, unresolved, type EscalateOptions, type EscalationResult } from './escalation.js';
import type { RunStoppedError } from './errors.js';
import { stableKey, toJson } from './json.js';
import type { SessionUsage } from './run-state.js';
import { SCOPE_KEY, commonAttrs, rt, scopeOf, targetSpan } from './runtime.js';
import type { Scope } from './runtime.js';

/** The handle a step's function receives: records on that step's span. */
export class StepHandle {
  /** @internal set when an LLM call crossed a cost/token cap during this step. */
  stopError: RunStoppedError | undefined;
  /** @internal an explicit output that replaces the return value. */
  outputValue: unknown;
  constructor(
    /** The OpenTelemetry span of this step (for anything the SDK does not cover). */
    readonly span: Span,
    /** @internal */ readonly scope: Scope | undefined,
  ) {}

  /** The session id, when the step runs in a session. */
  get sessionId(): string | undefined {
    return this.scope?.sessionId;
  }

  /** Records a state snapshot on this step (`cairn.state` event); the replay diffs consecutive ones. */
  snapshot(state: unknown): void {
    recordSnapshot(this.span, state);
  }

  /** Records the step's confidence, 0..1 (`cairn.confidence`). */
  confidence(value: number): void {
    recordConfidence(this.span, value);
  }

  /** Records an escalation to a human or another system (`cairn.escalation` event). */
  escalate(reason: string, target?: string): void;
  /** Opens a review item for this step; with `wait: true` resolves with the reviewer's decision. */
  escalate(reason: string, options: EscalateOptions): Promise<EscalationResult>;
  escalate(reason: string, arg?: string | EscalateOptions): void | Promise<EscalationResult> {
    if (typeof arg === 'object' && arg !== null) return escalateAndWait(this.span, this.scope, reason, arg);
    recordEscalation(this.span, reason, arg);
  }

  /** Sets what the replay shows as this step's output (default: the function's return value). */
  output(value: unknown): void {
    this.outputValue = value;
  }

  setAttribute(key: string, value: AttributeValue): void {
    this.span.setAttribute(key, value);
  }

  /** The session's running cost and tokens (undefined outside a session in this process). */
  usage(): SessionUsage | undefined {
    return this.scope?.run?.usage();
  }
}

export function recordSnapshot(span: Span, state: unknown): void {
  if (!rt.content.capture) return;
  span.addEvent(ATTR.EVENT_STATE, { [ATTR.STATE_JSON]: toJson(state, rt.content.maxChars) });
}

export function recordConfidence(span: Span, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    diag.warn(`cairn: confidence must be a number in 0..1, got ${String(value)}`);
    return;
  }
  span.setAttribute(ATTR.CONFIDENCE, value);
}

export function recordEscalation(span: Span, reason: string, target?: string): void {
  const a: Attributes = { [ATTR.ESCALATION_REASON]: String(reason) };
  if (target !== undefined) a[ATTR.ESCALATION_TARGET] = String(target);
  span.addEvent(ATTR.EVENT_ESCALATION, a);
}

/** A JSON chat message list with one text part, the GenAI convention's shape. */
export function textMessages(role: string, value: unknown): string {
  const text = toJson(value, rt.content.maxChars);
  return JSON.stringify([{ role, parts: [{ type: 'text', content: text }] }]);
}

// Errors already recorded as an exception event on the span they came out of: ancestors get
// the error status only, so a replay shows the exception once, where it happened.
const recorded = new WeakSet<object>();

export function failSpan(span: Span, err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err));
  if (typeof err !== 'object' || err === null || !recorded.has(err)) {
    span.recordException(e);
    if (typeof err === 'object' && err !== null) recorded.add(err);
  }
  span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
}

/** What distinguishes one kind of step. */
export interface StepSpec {
  kind: SpanKind;
  name: string;
  operation: string | undefined;
  attrs: Attributes | undefined;
  /** Counts toward `maxSteps`. */
  counted: boolean;
  /** Same-arguments key for `maxToolRepeats` (tools only). */
  toolArgs?: { name: string; args: unknown };
  /** For an agent: the new scope's agent name and autonomy level. */
  agent?: { name: string; autonomy: AutonomyLevel | undefined };
  /** Attribute the return value is recorded under (content capture on). */
  outputKey: string | undefined;
}

export interface Started {
  span: Span;
  ctx: Context;
  scope: Scope | undefined;
}

/**
 * Checks the run's caps and starts a step's span under the active context. Returns the error
 * that ends the run instead, when a cap forbids the step.
 */
export function startStep(spec: StepSpec): Started | RunStoppedError {
  const parent = context.active();
  let scope = scopeOf(parent);
  const run = scope?.run;
  if (run !== undefined) {
    const key =
      spec.toolArgs !== undefined && run.caps.maxToolRepeats !== undefined
        ? `${spec.toolArgs.name}\u0000${stableKey(spec.toolArgs.args)}`
        : undefined;
    const mark = targetSpan(parent, scope);
    const err = run.beforeStep(spec.counted, mark ?? trace.wrapSpanContext(INVALID_SPAN_CONTEXT), key);
    if (err !== undefined) return err;
  }
  const span = rt.tracer.startSpan(spec.name, scope === undefined ? undefined : { attributes: scope.attrs }, parent);
  span.setAttribute(ATTR.CAIRN_SPAN_KIND, spec.kind);
  if (spec.operation !== undefined) span.setAttribute(ATTR.OPERATION_NAME, spec.operation);
  if (spec.attrs !== undefined) span.setAttributes(spec.attrs);
  let ctx = trace.setSpan(parent, span);
  if (spec.agent !== undefined) {
    const a = spec.agent;
    span.setAttribute(ATTR.AGENT_NAME, a.name);
    if (a.autonomy !== undefined) span.setAttribute(ATTR.AUTONOMY_LEVEL, a.autonomy);
    scope = {
      run,
      sessionId: scope?.sessionId ?? '',
      agent: a.name,
      workflow: scope?.workflow,
      user: scope?.user,
      attrs: scope ? commonAttrs(scope.sessionId, a.name, scope.workflow, scope.user) : { [ATTR.AGENT_NAME]: a.name },
      span,
    };
    ctx = ctx.setValue(SCOPE_KEY, scope);
  }
  return { span, ctx, scope };
}

function finish<T>(spec: StepSpec, h: StepHandle, value: T): T {
  const span = h.span;
  const out = h.outputValue !== undefined ? h.outputValue : value;
  if (spec.outputKey !== undefined && out !== undefined && rt.content.capture && span.isRecording()) {
    span.setAttribute(
      spec.outputKey,
      spec.outputKey === ATTR.OUTPUT_MESSAGES ? textMessages('assistant', out) : toJson(out, rt.content.maxChars),
    );
  }
  if (h.stopError !== undefined) {
    failSpan(span, h.stopError);
    span.end();
    throw h.stopError;
  }
  span.end();
  return value;
}

function fail(span: Span, err: unknown): never {
  failSpan(span, err);
  span.end();
  throw err;
}

/** Runs `fn` as one step: span, caps, content, errors. Always returns a promise. */
export function runStep<T, H extends StepHandle = StepHandle>(
  spec: StepSpec,
  fn: (h: H) => T | Promise<T>,
  makeHandle?: (span: Span, scope: Scope | undefined) => H,
): Promise<T> {
  const started = startStep(spec);
  if (!('span' in started)) return Promise.reject(started);
  const h = makeHandle ? makeHandle(started.span, started.scope) : (new StepHandle(started.span, started.scope) as H);
  let result: T | Promise<T>;
  try {
    result = context.with(started.ctx, fn, undefined, h);
  } catch (err) {
    try {
      fail(started.span, err);
    } catch (e) {
      return Promise.reject(e);
    }
  }
  if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
    return (result as Promise<T>).then(
      (v) => finish(spec, h, v),
      (e: unknown) => fail(started.span, e),
    );
  }
  try {
    return Promise.resolve(finish(spec, h, result as T));
  } catch (e) {
    return Promise.reject(e);
  }
}

/** The handle of the innermost Cairn step (or agent/session) around the caller, for free functions. */
function currentSpan(): Span | undefined {
  const ctx = context.active();
  return targetSpan(ctx, scopeOf(ctx));
}

/** Records a state snapshot on the current step. No-op outside a step. */
export function snapshot(state: unknown): void {
  const s = currentSpan();
  if (s) recordSnapshot(s, state);
}

/** Records the current step's confidence (0..1). */
export function confidence(value: number): void {
  const s = currentSpan();
  if (s) recordConfidence(s, value);
}

/** Records an escalation on the current step: why, and to whom (a team, a queue, a person). */
export function escalate(reason: string, target?: string): void;
/**
 * Opens a review item for the current step (init `reviews` needed) and records the escalation;
 * with `wait: true` blocks until a reviewer decides or the queue's fallback applies, records the
 * decision on the step (`cairn.escalation.decision`) and returns it. Never throws.
 */
export function escalate(reason: string, options: EscalateOptions): Promise<EscalationResult>;
export function escalate(reason: string, arg?: string | EscalateOptions): void | Promise<EscalationResult> {
  const s = currentSpan();
  if (typeof arg === 'object' && arg !== null) {
    if (!s) return Promise.resolve(unresolved(undefined, 'not in a step'));
    return escalateAndWait(s, scopeOf(context.active()), reason, arg);
  }
  if (s) recordEscalation(s, reason, arg);
}

/**
 * Whether a step with this confidence should go to review: below the agent's trust threshold
 * stored in Cairn (`PUT /api/reviews/thresholds`, read with the ingest key and cached a few
 * seconds). False when reviews are not configured or no threshold is set.
 */
export async function shouldEscalate(value: number, agent?: string): Promise<boolean> {
  const client = rt.reviews;
  if (client === undefined) return false;
  const t = await client.threshold(agent ?? scopeOf(context.active())?.agent ?? '');
  return t !== null && value < t;
}

/** The current session's running cost and tokens, or undefined outside a session in this process. */
export function currentUsage(): SessionUsage | undefined {
  return scopeOf(context.active())?.run?.usage();
}

/** The current session id (also when continued from another process), or undefined. */
export function currentSessionId(): string | undefined {
  return scopeOf(context.active())?.sessionId;
}
