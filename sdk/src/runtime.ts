import { context, createContextKey, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { Attributes, Context, Span, Tracer } from '@opentelemetry/api';
import { ATTR, DEFAULT_PRICE_BOOK } from '@cairn/schemas/conventions';
import type { PriceBook } from '@cairn/schemas/conventions';
import type { ResolvedContent } from './config.js';
import type { ReviewClient } from './escalation.js';
import type { GuardClient } from './guard.js';
import type { RunCaps, RunState } from './run-state.js';

export const TRACER_NAME = '@cairn/sdk';
export const SDK_VERSION = '0.1.0';

/** Process-wide settings, replaced by `init()`. Before `init()` spans go to the global provider. */
export interface Runtime {
  tracer: Tracer;
  content: ResolvedContent;
  prices: PriceBook;
  defaultCaps: RunCaps | undefined;
  guard: GuardClient | undefined;
  reviews: ReviewClient | undefined;
}

export const rt: Runtime = {
  tracer: trace.getTracer(TRACER_NAME, SDK_VERSION),
  content: { capture: true, sampleRate: 1, redact: undefined, maxChars: 100_000 },
  prices: DEFAULT_PRICE_BOOK,
  defaultCaps: undefined,
  guard: undefined,
  reviews: undefined,
};

/**
 * What every span inside one agent of one session shares: the session id, the enclosing agent
 * (on every span, so cost rollups group by agent), workflow and user, plus the run's state.
 */
export interface Scope {
  readonly run: RunState | undefined;
  readonly sessionId: string;
  readonly agent: string | undefined;
  readonly workflow: string | undefined;
  readonly user: string | undefined;
  /** Common attributes, built once per agent and shared by its spans. */
  readonly attrs: Attributes;
  /** The nearest Cairn agent or session span. */
  readonly span: Span | undefined;
}

export const SCOPE_KEY = createContextKey('cairn.scope');

export function commonAttrs(sessionId: string, agent?: string, workflow?: string, user?: string): Attributes {
  const a: Attributes = { [ATTR.CONVERSATION_ID]: sessionId };
  if (agent) a[ATTR.AGENT_NAME] = agent;
  if (workflow) a[ATTR.WORKFLOW_NAME] = workflow;
  if (user) a[ATTR.USER_ID] = user;
  return a;
}

/** The scope of `ctx`: set by a session or agent in this process, else rebuilt from W3C baggage. */
export function scopeOf(ctx: Context): Scope | undefined {
  const s = ctx.getValue(SCOPE_KEY) as Scope | undefined;
  if (s !== undefined) return s;
  const bag = propagation.getBaggage(ctx);
  const id = bag?.getEntry(ATTR.CONVERSATION_ID)?.value;
  if (bag === undefined || id === undefined || id === '') return undefined;
  const agent = bag.getEntry(ATTR.AGENT_NAME)?.value;
  const workflow = bag.getEntry(ATTR.WORKFLOW_NAME)?.value;
  const user = bag.getEntry(ATTR.USER_ID)?.value;
  return { run: undefined, sessionId: id, agent, workflow, user, attrs: commonAttrs(id, agent, workflow, user), span: undefined };
}

/** Whether `span` was started by this SDK (user code may have its own spans in between). */
export function isCairnSpan(span: Span | undefined): span is Span {
  return (span as { instrumentationScope?: { name?: string } } | undefined)?.instrumentationScope?.name === TRACER_NAME;
}

/** The span Cairn events go on: the active Cairn span, else the scope's agent/session span. */
export function targetSpan(ctx: Context, scope: Scope | undefined): Span | undefined {
  const active = trace.getSpan(ctx);
  if (isCairnSpan(active)) return active;
  return scope?.span ?? active;
}

const PROBE = createContextKey('cairn.probe');
let contextChecked = false;

/** Whether a context manager is registered (without one, nothing propagates across awaits). */
export function hasContextManager(): boolean {
  return context.with(ROOT_CONTEXT.setValue(PROBE, 1), () => context.active().getValue(PROBE) === 1);
}

/**
 * Sessions need async context even when `init()` was not called (caps and usage still work,
 * spans go nowhere): registers Node's AsyncLocalStorage manager once if nobody did.
 */
export function ensureContextManager(): void {
  if (contextChecked) return;
  contextChecked = true;
  if (!hasContextManager()) context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}

/** After `context.disable()` (shutdown of Cairn's own globals) the check must run again. */
export function resetContextCheck(): void {
  contextChecked = false;
}
