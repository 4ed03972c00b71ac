import { diag } from '@opentelemetry/api';
import type { Attributes, Span } from '@opentelemetry/api';
import { ATTR } from '@cairn/schemas/conventions';
import { toJson } from './json.js';
import { rt } from './runtime.js';
import type { Scope } from './runtime.js';

/**
 * Client side of review queues (docs/ARCHITECTURE.md, "Escalations and reviews"): open a
 * review item for the current step with the ingest key (`POST /api/escalations`), long-poll
 * its decision (`GET /api/escalations/:id?wait=`), read the agent's trust threshold.
 */
export interface ReviewOptions {
  /** Base URL of the Cairn API (e.g. `http://localhost:4000`). */
  url: string;
  /** Key (defaults to the init `apiKey`). */
  apiKey?: string;
  /** How long a threshold answer is reused, in ms (default 5000). */
  thresholdCacheMs?: number;
  /** Injectable fetch (tests, proxies). */
  fetch?: typeof fetch;
}

/** Options of `escalate(reason, options)`: opens a review item, and with `wait` blocks for the decision. */
export interface EscalateOptions {
  /** Wait for a reviewer's decision (or the queue's auto fallback) before returning. */
  wait?: boolean;
  /** What the agent wants to do; an `edit` decision returns its replacement. Any JSON value. */
  proposedAction?: unknown;
  /** The state at this step, for the reviewer. Any JSON value. */
  state?: unknown;
  /** The agent's confidence, 0..1. */
  confidence?: number;
  /** Who should look (a team, a queue, a person); recorded on the event. */
  target?: string;
  /** Longest wait for a decision in ms (default 15 minutes); then the result is unresolved. */
  timeoutMs?: number;
}

export type ReviewDecisionValue = 'approve' | 'reject' | 'edit';

/** What `escalate(…, { wait: true })` returns: the agent continues with `action` when `decision` allows. */
export interface EscalationResult {
  /** The review item id, or undefined when the server could not be reached. */
  id: string | undefined;
  /** A decision exists (by a reviewer or an auto fallback). */
  resolved: boolean;
  decision: ReviewDecisionValue | null;
  /** The action to take: the edited action for `edit`, the proposed one for `approve`, else null. */
  action: unknown;
  comment: string;
  decidedBy: string | null;
  /** The queue's fallback when the SLA passed (`hold` leaves the item unresolved). */
  fallback: 'hold' | 'auto_reject' | 'auto_approve' | null;
  /** `timeoutMs` passed without a decision. */
  timedOut: boolean;
  /** Why the item could not be opened or read (the escalation event is still recorded). */
  error?: string;
}

interface StatusBody {
  id: string;
  resolved: boolean;
  decision: ReviewDecisionValue | null;
  edited_action: unknown;
  comment: string;
  decided_by: string | null;
  fallback_applied: EscalationResult['fallback'];
}

const POLL_SECONDS = 20;

export class ReviewClient {
  private readonly fetchFn: typeof fetch;
  private readonly base: string;
  private readonly thresholds = new Map<string, { at: number; value: Promise<number | null> }>();

  constructor(
    private readonly opts: ReviewOptions,
    private readonly apiKey: string | undefined,
  ) {
    this.fetchFn = opts.fetch ?? fetch;
    this.base = opts.url.replace(/\/+$/, '');
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body: unknown, timeoutMs: number): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.apiKey) headers.Authorization = `Bearer ${this.apiKey}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await this.fetchFn(`${this.base}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }

  open(body: Record<string, unknown>): Promise<StatusBody> {
    return this.call<StatusBody>('POST', '/api/escalations', body, 10_000);
  }

  /** Long-polls until resolved or `deadline` (epoch ms); transient errors are retried until then. */
  async wait(id: string, deadline: number): Promise<StatusBody & { timedOut: boolean }> {
    let last: StatusBody | undefined;
    let failures = 0;
    for (;;) {
      const left = deadline - Date.now();
      const waitS = Math.max(0, Math.min(POLL_SECONDS, Math.floor(left / 1000)));
      try {
        last = await this.call<StatusBody>(
          'GET',
          `/api/escalations/${encodeURIComponent(id)}?wait=${waitS}`,
          undefined,
          waitS * 1000 + 10_000,
        );
        failures = 0;
        if (last.resolved) return { ...last, timedOut: false };
      } catch (err) {
        failures += 1;
        diag.warn(`cairn: polling escalation ${id} failed (${failures})`, err);
        await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** failures, Math.max(0, deadline - Date.now()))));
      }
      if (Date.now() >= deadline) {
        if (last) return { ...last, timedOut: true };
        throw new Error(`no answer about escalation ${id} before the timeout`);
      }
    }
  }

  /** The agent's threshold (its own, else the project default, else null), cached. */
  threshold(agent: string): Promise<number | null> {
    const hit = this.thresholds.get(agent);
    if (hit && Date.now() - hit.at < (this.opts.thresholdCacheMs ?? 5000)) return hit.value;
    const value = this.call<{ threshold: number | null }>(
      'GET',
      `/api/escalations/thresholds?agent=${encodeURIComponent(agent)}`,
      undefined,
      5000,
    )
      .then((b) => b.threshold)
      .catch((err: unknown) => {
        diag.warn('cairn: reading the trust threshold failed', err);
        this.thresholds.delete(agent);
        return null;
      });
    this.thresholds.set(agent, { at: Date.now(), value });
    return value;
  }
}

function decisionEvent(span: Span, r: EscalationResult): void {
  const a: Attributes = { [ATTR.DECISION]: r.decision ?? (r.timedOut ? 'timeout' : 'none'), [ATTR.DECISION_COMMENT]: r.comment };
  if (r.id !== undefined) a[ATTR.ESCALATION_ITEM_ID] = r.id;
  if (r.decidedBy !== null) a[ATTR.DECISION_BY] = r.decidedBy;
  if (r.fallback !== null) a[ATTR.DECISION_FALLBACK] = r.fallback;
  if (r.decision === 'edit' && rt.content.capture) a[ATTR.DECISION_ACTION] = toJson(r.action, rt.content.maxChars);
  span.addEvent(ATTR.EVENT_ESCALATION_DECISION, a);
}

function escalationEvent(span: Span, reason: string, target: string | undefined, itemId: string | undefined): void {
  const a: Attributes = { [ATTR.ESCALATION_REASON]: String(reason) };
  if (target !== undefined) a[ATTR.ESCALATION_TARGET] = String(target);
  // Marked: the engine opens no second item for an escalation the SDK opened itself.
  if (itemId !== undefined) Object.assign(a, { [ATTR.ESCALATION_SOURCE]: 'sdk', [ATTR.ESCALATION_ITEM_ID]: itemId });
  span.addEvent(ATTR.EVENT_ESCALATION, a);
}

/** An escalation without a decision (`error` says why, when there is a reason). */
export const unresolved = (id: string | undefined, error?: string): EscalationResult => ({
  id,
  resolved: false,
  decision: null,
  action: null,
  comment: '',
  decidedBy: null,
  fallback: null,
  timedOut: false,
  ...(error !== undefined ? { error } : {}),
});

function resultOf(s: StatusBody, proposed: unknown, timedOut: boolean): EscalationResult {
  const action = s.decision === 'edit' ? s.edited_action : s.decision === 'approve' ? (proposed ?? null) : null;
  return {
    id: s.id,
    resolved: s.resolved,
    decision: s.decision,
    action,
    comment: s.comment,
    decidedBy: s.decided_by,
    fallback: s.fallback_applied,
    timedOut,
  };
}

/**
 * Opens a review item for `span`, records the escalation (and, after waiting, the decision)
 * on it, and returns the outcome. Never throws: an unreachable server gives an unresolved
 * result with `error`, and the escalation event alone (the engine then opens the item).
 */
export async function escalateAndWait(
  span: Span,
  scope: Scope | undefined,
  reason: string,
  o: EscalateOptions,
): Promise<EscalationResult> {
  const client = rt.reviews;
  if (client === undefined || scope === undefined) {
    escalationEvent(span, reason, o.target, undefined);
    return unresolved(
      undefined,
      client === undefined ? 'reviews are not configured (init({ reviews: { url } }))' : 'not in a session',
    );
  }
  let opened: StatusBody;
  try {
    opened = await client.open({
      session_id: scope.sessionId,
      span_id: span.spanContext().spanId,
      reason: String(reason),
      ...(scope.agent ? { agent: scope.agent } : {}),
      ...(scope.workflow ? { workflow: scope.workflow } : {}),
      ...(o.confidence !== undefined ? { confidence: o.confidence } : {}),
      ...(o.proposedAction !== undefined ? { proposed_action: o.proposedAction } : {}),
      ...(o.state !== undefined ? { state: o.state } : {}),
      cost_usd: scope.run?.usage().costUsd ?? 0,
    });
  } catch (err) {
    escalationEvent(span, reason, o.target, undefined);
    return unresolved(undefined, err instanceof Error ? err.message : String(err));
  }
  escalationEvent(span, reason, o.target, opened.id);
  if (!o.wait) return resultOf(opened, o.proposedAction, false);
  let result: EscalationResult;
  try {
    const s = opened.resolved
      ? { ...opened, timedOut: false }
      : await client.wait(opened.id, Date.now() + (o.timeoutMs ?? 15 * 60_000));
    result = resultOf(s, o.proposedAction, s.timedOut);
  } catch (err) {
    result = { ...unresolved(opened.id, err instanceof Error ? err.message : String(err)), timedOut: true };
  }
  decisionEvent(span, result);
  return result;
}
