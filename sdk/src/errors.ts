import { CairnError } from '@cairn/schemas/conventions';
import type { LimitKind } from '@cairn/schemas/conventions';

/**
 * Thrown when a per-run cap (cost, tokens, steps, duration, repeats) is crossed. Code
 * `CAIRN_LIMIT_EXCEEDED`. Once thrown, the run is over: every later step of the same session
 * throws the same error without running, and `session()` rejects with it.
 */
export class CairnLimitError extends CairnError {
  /** Which cap was crossed. */
  readonly kind: LimitKind;
  /** The configured cap. */
  readonly limit: number;
  /** The value that crossed it (USD, tokens, steps, milliseconds or identical calls). */
  readonly actual: number;
  readonly sessionId: string;
  constructor(kind: LimitKind, limit: number, actual: number, sessionId: string) {
    super('CAIRN_LIMIT_EXCEEDED', `Cairn ${kind} cap exceeded: ${actual} > ${limit} (session ${sessionId})`, {
      details: { kind, limit, actual, session_id: sessionId },
    });
    this.name = 'CairnLimitError';
    this.kind = kind;
    this.limit = limit;
    this.actual = actual;
    this.sessionId = sessionId;
  }
}

/**
 * Thrown when the Cairn server's guard (`GET /api/guard`) denies the run because a hard-stop
 * budget in its scope is spent. Code `CAIRN_BUDGET_EXCEEDED`. Ends the run like a cap.
 */
export class BudgetExceededError extends CairnError {
  readonly kind = 'budget' as const;
  readonly sessionId: string;
  /** The budget that denied the run, when the server names it. */
  readonly budget: string | undefined;
  constructor(sessionId: string, reason: string, budget?: string) {
    super('CAIRN_BUDGET_EXCEEDED', `Cairn budget exceeded: ${reason} (session ${sessionId})`, {
      details: { kind: 'budget', budget, session_id: sessionId },
    });
    this.name = 'BudgetExceededError';
    this.sessionId = sessionId;
    this.budget = budget;
  }
}

/** The errors that end a run: a crossed cap or a spent budget. */
export type RunStoppedError = CairnLimitError | BudgetExceededError;

export function isRunStoppedError(err: unknown): err is RunStoppedError {
  return err instanceof CairnLimitError || err instanceof BudgetExceededError;
}
