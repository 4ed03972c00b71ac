import { randomUUID } from 'node:crypto';
import { context, propagation, trace } from '@opentelemetry/api';
import type { Attributes, Context } from '@opentelemetry/api';
import { ATTR, GENAI_OPERATION } from '@cairn/schemas/conventions';
import type { AutonomyLevel } from '@cairn/schemas/conventions';
import { BudgetExceededError } from './errors.js';
import { extractContext } from './propagation.js';
import type { HeaderCarrier } from './propagation.js';
import { RunState, capAttributes, mergeCaps } from './run-state.js';
import type { RunCaps, SessionUsage } from './run-state.js';
import { SCOPE_KEY, commonAttrs, ensureContextManager, rt, scopeOf } from './runtime.js';
import type { Scope } from './runtime.js';
import { StepHandle, failSpan, runStep, textMessages } from './steps.js';

export interface SessionOptions {
  /** The top-level agent of the run (`gen_ai.agent.name`). */
  agent: string;
  /** Session id (`gen_ai.conversation.id`); a random UUID when omitted. */
  id?: string;
  /** `cairn.session.title`: what the sessions list shows instead of the id (e.g. the ticket's subject). */
  title?: string;
  /** `user.id`: the end user the run works for. */
  user?: string;
  /** `gen_ai.workflow.name`. */
  workflow?: string;
  /** `cairn.autonomy_level`: hitl, hotl, exception or autonomous. */
  autonomy?: AutonomyLevel;
  /** Free-form labels (`cairn.tags`). */
  tags?: string[];
  /** Caps for this run, over the `init()` defaults. */
  caps?: RunCaps;
  /** What the replay shows as the run's input. */
  input?: unknown;
  attributes?: Attributes;
}

/** The handle a session's function receives. */
export class SessionHandle extends StepHandle {
  /** @internal */
  constructor(
    span: ConstructorParameters<typeof StepHandle>[0],
    scope: Scope,
    private readonly run: RunState,
  ) {
    super(span, scope);
  }
  /** The session id. */
  get id(): string {
    return this.run.sessionId;
  }
  /** Running cost and tokens of the session (this process). */
  override usage(): SessionUsage {
    return this.run.usage();
  }
  /** Aborted when the run is stopped by a cap: pass it to fetches and timers. */
  get signal(): AbortSignal {
    return this.run.signal;
  }
}

const TAGS = 'cairn.tags';

function baggageCtx(ctx: Context, id: string, o: { agent?: string; workflow?: string; user?: string }): Context {
  const entries: Record<string, { value: string }> = { [ATTR.CONVERSATION_ID]: { value: id } };
  if (o.agent) entries[ATTR.AGENT_NAME] = { value: o.agent };
  if (o.workflow) entries[ATTR.WORKFLOW_NAME] = { value: o.workflow };
  if (o.user) entries[ATTR.USER_ID] = { value: o.user };
  const existing = propagation.getBaggage(ctx);
  let bag = existing ?? propagation.createBaggage();
  for (const [k, v] of Object.entries(entries)) bag = bag.setEntry(k, v);
  return propagation.setBaggage(ctx, bag);
}

/**
 * Runs `fn` as one session (one agent run): every span inside it — nested and parallel agents,
 * async work, and sub-agents in other processes reached with `injectHeaders` — carries its id.
 * Rejects with a {@link CairnLimitError} / {@link BudgetExceededError} when a cap or budget ended
 * the run, even if `fn` caught it; otherwise settles like `fn`.
 */
export async function session<T>(opts: SessionOptions, fn: (s: SessionHandle) => T | Promise<T>): Promise<T> {
  ensureContextManager();
  const id = opts.id ?? randomUUID();
  const run = new RunState(id, mergeCaps(rt.defaultCaps, opts.caps));
  const parent = context.active();
  const active = trace.getSpan(parent);
  const attrs: Attributes = {
    ...opts.attributes,
    ...commonAttrs(id, opts.agent, opts.workflow, opts.user),
    [ATTR.CAIRN_SPAN_KIND]: 'session',
    // The run: a GenAI workflow invocation when it names a workflow, else its agent's invocation.
    [ATTR.OPERATION_NAME]: opts.workflow ? GENAI_OPERATION.INVOKE_WORKFLOW : GENAI_OPERATION.INVOKE_AGENT,
    // The merged caps (init defaults + this session's): what this run actually enforces.
    ...capAttributes(run.caps),
  };
  if (opts.autonomy) attrs[ATTR.AUTONOMY_LEVEL] = opts.autonomy;
  if (opts.title) attrs[ATTR.SESSION_TITLE] = opts.title;
  if (opts.tags && opts.tags.length > 0) attrs[TAGS] = opts.tags;
  if (opts.input !== undefined && rt.content.capture) attrs[ATTR.INPUT_MESSAGES] = textMessages('user', opts.input);
  // A session is its own trace; a link keeps the way back to the request that started it.
  const span = rt.tracer.startSpan(
    `session ${opts.agent}`,
    { root: true, attributes: attrs, links: active ? [{ context: active.spanContext() }] : undefined },
    parent,
  );
  const scope: Scope = {
    run,
    sessionId: id,
    agent: opts.agent,
    workflow: opts.workflow,
    user: opts.user,
    attrs: commonAttrs(id, opts.agent, opts.workflow, opts.user),
    span,
  };
  const guard = rt.guard;
  if (guard !== undefined) {
    const gs = { agent: opts.agent, workflow: opts.workflow, user: opts.user };
    const deny = await guard.check(gs);
    if (deny) {
      const err = run.stop(new BudgetExceededError(id, deny.reason, deny.budget), span);
      failSpan(span, err);
      span.end();
      throw err;
    }
    run.guardCheck = () => guard.cached(gs);
  }
  const ctx = trace.setSpan(baggageCtx(parent, id, opts), span).setValue(SCOPE_KEY, scope);
  const handle = new SessionHandle(span, scope, run);
  let onDuration: ((e: unknown) => void) | undefined;
  const durationStop = new Promise<never>((_, reject) => (onDuration = reject));
  durationStop.catch(() => undefined);
  run.onStop = (err) => {
    if (err.kind === 'duration') onDuration?.(err);
  };
  run.armTimer(span);
  try {
    const pending = Promise.resolve().then(() => context.with(ctx, fn, undefined, handle));
    pending.catch(() => undefined);
    // A step stuck past the duration cap cannot be cancelled, but the session ends on time.
    const value = await Promise.race([pending, durationStop]);
    if (run.stopped) throw run.stopped;
    if (value !== undefined && rt.content.capture) span.setAttribute(ATTR.OUTPUT_MESSAGES, textMessages('assistant', value));
    span.end();
    return value;
  } catch (err) {
    const final = run.stopped ?? err;
    failSpan(span, final);
    span.end();
    throw final;
  } finally {
    run.dispose();
  }
}

export interface ContinueOptions {
  /** Wrap the work in an agent span with this name. */
  agent?: string;
  /** Caps for this process's part of the run. */
  caps?: RunCaps;
  autonomy?: AutonomyLevel;
}

/**
 * Joins a session started in another process: `carrier` holds the incoming request's headers
 * (`traceparent`, `baggage`). Spans inside `fn` are children of the caller's span and carry the
 * caller's session id, agent, workflow and user. Caps apply to this process's share of the run.
 */
export function continueSession<T>(carrier: HeaderCarrier, fn: (s: StepHandle) => T | Promise<T>): Promise<T>;
export function continueSession<T>(
  carrier: HeaderCarrier,
  opts: ContinueOptions,
  fn: (s: StepHandle) => T | Promise<T>,
): Promise<T>;
export function continueSession<T>(
  carrier: HeaderCarrier,
  a: ContinueOptions | ((s: StepHandle) => T | Promise<T>),
  b?: (s: StepHandle) => T | Promise<T>,
): Promise<T> {
  const opts = typeof a === 'function' ? {} : a;
  const fn = (typeof a === 'function' ? a : b) as (s: StepHandle) => T | Promise<T>;
  ensureContextManager();
  const extracted = extractContext(carrier);
  const remote = scopeOf(extracted);
  let ctx = extracted;
  if (remote !== undefined) {
    const run = new RunState(remote.sessionId, mergeCaps(rt.defaultCaps, opts.caps));
    ctx = ctx.setValue(SCOPE_KEY, { ...remote, run });
  }
  if (opts.agent === undefined) {
    return context.with(ctx, () =>
      runStep(
        { kind: 'other', name: 'continue_session', operation: undefined, attrs: undefined, counted: false, outputKey: undefined },
        fn,
      ),
    );
  }
  const name = opts.agent;
  return context.with(ctx, () =>
    runStep(
      {
        kind: 'agent',
        name: `invoke_agent ${name}`,
        operation: 'invoke_agent',
        attrs: undefined,
        counted: false,
        agent: { name, autonomy: opts.autonomy },
        outputKey: ATTR.OUTPUT_MESSAGES,
      },
      fn,
    ),
  );
}
