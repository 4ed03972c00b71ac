import type { Span } from '@opentelemetry/api';
import { ATTR } from '@cairn/schemas/conventions';
import type { LimitKind } from '@cairn/schemas/conventions';
import { BudgetExceededError, CairnLimitError } from './errors.js';
import type { RunStoppedError } from './errors.js';

/**
 * Per-run caps, enforced locally without a server round trip. Crossing one ends the run with a
 * {@link CairnLimitError}: a `cairn.limit.exceeded` event, an error status, and no further step.
 */
export interface RunCaps {
  /** Cumulative LLM cost in USD; checked when each LLM call reports usage. */
  maxCostUsd?: number;
  /** Cumulative input + output tokens; checked when each LLM call reports usage. */
  maxTokens?: number;
  /** LLM calls, tool calls, retrievals and reasoning steps (agents don't count); the step after the last allowed one does not run. */
  maxSteps?: number;
  /** Wall-clock run time; checked before each step and by a timer that ends the session. */
  maxDurationMs?: number;
  /** Times one tool may run with the same arguments in a run; the next identical call does not run. */
  maxToolRepeats?: number;
}

/** A session's running totals (computed with the same price table as the collector). */
export interface SessionUsage {
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  totalTokens: number;
  llmCalls: number;
  steps: number;
  elapsedMs: number;
}

/** Token usage of one LLM call, OpenTelemetry-style: `inputTokens` includes cached tokens. */
export interface LlmUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
}

const CAP_OF: Record<Exclude<LimitKind, 'budget'>, keyof RunCaps> = {
  cost: 'maxCostUsd',
  tokens: 'maxTokens',
  steps: 'maxSteps',
  duration: 'maxDurationMs',
  repeats: 'maxToolRepeats',
};

/** The session span attribute recording each cap (`cairn.cap.*`, docs/ARCHITECTURE.md, "Attribute conventions"). */
const CAP_ATTR: Record<keyof RunCaps, string> = {
  maxCostUsd: ATTR.CAP_MAX_COST_USD,
  maxTokens: ATTR.CAP_MAX_TOKENS,
  maxSteps: ATTR.CAP_MAX_STEPS,
  maxDurationMs: ATTR.CAP_MAX_DURATION_MS,
  maxToolRepeats: ATTR.CAP_MAX_TOOL_REPEATS,
};

/**
 * The caps a run enforces, as session span attributes: caps are checked locally, so without
 * these the server could not show a run's own budget (the replay's 50/80/100 % cost lines).
 */
export function capAttributes(caps: RunCaps): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of Object.keys(CAP_ATTR) as (keyof RunCaps)[]) {
    const v = caps[key];
    if (v !== undefined) out[CAP_ATTR[key]] = v;
  }
  return out;
}

/** Marks the span where a cap was crossed: the `cairn.limit.exceeded` event (docs/ARCHITECTURE.md, "Attribute conventions"). */
export function markLimit(span: Span, kind: LimitKind, value: number): void {
  span.addEvent(ATTR.EVENT_LIMIT_EXCEEDED, { [ATTR.LIMIT_KIND]: kind, [ATTR.LIMIT_VALUE]: value });
}

/** The mutable state of one run in this process: caps, totals, and whether it was stopped. */
export class RunState {
  costUsd = 0;
  inputTokens = 0;
  outputTokens = 0;
  cacheReadTokens = 0;
  cacheWriteTokens = 0;
  reasoningTokens = 0;
  llmCalls = 0;
  steps = 0;
  readonly startMs = Date.now();
  stopped: RunStoppedError | undefined;
  private toolCalls: Map<string, number> | undefined;
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  /** Called once when the run stops (the session ends itself on a duration stop). */
  onStop: ((err: RunStoppedError) => void) | undefined;
  /** Checked between steps: returns a reason when a hard-stop budget denies the run. */
  guardCheck: (() => { reason: string; budget?: string } | undefined) | undefined;

  constructor(
    readonly sessionId: string,
    readonly caps: RunCaps,
  ) {}

  /** Aborted when the run stops: pass it to work that should end with the run. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Starts the duration timer; `span` gets the event when it fires. */
  armTimer(span: Span): void {
    const ms = this.caps.maxDurationMs;
    if (ms === undefined || ms <= 0 || !Number.isFinite(ms)) return;
    this.timer = setTimeout(
      () => this.stop(new CairnLimitError('duration', ms, Date.now() - this.startMs, this.sessionId), span),
      ms,
    );
    this.timer.unref();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  /** Ends the run: records the event on `span` (once), aborts the signal, notifies. */
  stop(err: RunStoppedError, span: Span): RunStoppedError {
    if (this.stopped) return this.stopped;
    this.stopped = err;
    markLimit(span, err.kind, err instanceof CairnLimitError ? err.limit : 0);
    this.dispose();
    this.abort.abort(err);
    this.onStop?.(err);
    return err;
  }

  /**
   * Called before a step runs. Returns the error that must end it (and the run) instead of
   * running it, having marked `span` (the step's would-be parent).
   */
  beforeStep(counted: boolean, span: Span, toolKey: string | undefined): RunStoppedError | undefined {
    if (this.stopped) return this.stopped;
    const caps = this.caps;
    if (this.guardCheck !== undefined) {
      const deny = this.guardCheck();
      if (deny) return this.stop(new BudgetExceededError(this.sessionId, deny.reason, deny.budget), span);
    }
    if (caps.maxDurationMs !== undefined) {
      const elapsed = Date.now() - this.startMs;
      if (elapsed > caps.maxDurationMs)
        return this.stop(new CairnLimitError('duration', caps.maxDurationMs, elapsed, this.sessionId), span);
    }
    if (counted) {
      if (caps.maxSteps !== undefined && this.steps >= caps.maxSteps) {
        return this.stop(new CairnLimitError('steps', caps.maxSteps, this.steps + 1, this.sessionId), span);
      }
      this.steps++;
    }
    if (toolKey !== undefined && caps.maxToolRepeats !== undefined) {
      this.toolCalls ??= new Map();
      const n = (this.toolCalls.get(toolKey) ?? 0) + 1;
      if (n > caps.maxToolRepeats) return this.stop(new CairnLimitError('repeats', caps.maxToolRepeats, n, this.sessionId), span);
      this.toolCalls.set(toolKey, n);
    }
    return undefined;
  }

  /** Adds one LLM call's usage; returns the error when it crossed the cost or token cap. */
  addUsage(u: LlmUsage, costUsd: number | undefined, span: Span): RunStoppedError | undefined {
    this.llmCalls++;
    this.inputTokens += u.inputTokens;
    this.outputTokens += u.outputTokens;
    this.cacheReadTokens += u.cacheReadTokens ?? 0;
    this.cacheWriteTokens += u.cacheWriteTokens ?? 0;
    this.reasoningTokens += u.reasoningTokens ?? 0;
    if (costUsd !== undefined) this.costUsd += costUsd;
    if (this.stopped) return this.stopped;
    const { maxCostUsd, maxTokens } = this.caps;
    if (maxCostUsd !== undefined && this.costUsd > maxCostUsd) {
      return this.stop(new CairnLimitError('cost', maxCostUsd, round(this.costUsd), this.sessionId), span);
    }
    const total = this.inputTokens + this.outputTokens;
    if (maxTokens !== undefined && total > maxTokens)
      return this.stop(new CairnLimitError('tokens', maxTokens, total, this.sessionId), span);
    return undefined;
  }

  usage(): SessionUsage {
    return {
      costUsd: this.costUsd,
      inputTokens: this.inputTokens,
      outputTokens: this.outputTokens,
      cacheReadTokens: this.cacheReadTokens,
      cacheWriteTokens: this.cacheWriteTokens,
      reasoningTokens: this.reasoningTokens,
      totalTokens: this.inputTokens + this.outputTokens,
      llmCalls: this.llmCalls,
      steps: this.steps,
      elapsedMs: Date.now() - this.startMs,
    };
  }
}

function round(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}

/** Session caps over init defaults, dropping invalid values. */
export function mergeCaps(defaults: RunCaps | undefined, own: RunCaps | undefined): RunCaps {
  const out: RunCaps = {};
  for (const key of Object.values(CAP_OF)) {
    const v = own?.[key] ?? defaults?.[key];
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) out[key] = v;
  }
  return out;
}
