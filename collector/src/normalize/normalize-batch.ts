import type { SpanRow } from '@cairn/schemas';
import type { DecodedSpan } from '../otlp/decoded.js';
import { type NormalizeContext, normalizeSpan } from './normalize.js';

export interface NormalizedBatch {
  rows: SpanRow[];
  /** One reason per rejected span, for OTLP partial_success. */
  rejected: string[];
}

/** Parent hops followed at most: traces deeper than this are pathological. */
const MAX_HOPS = 256;

/**
 * Normalizes the spans of one request, then denormalizes session, user, agent and workflow
 * down each trace (the data model, docs/ARCHITECTURE.md: every row carries them). Only the Cairn SDK puts them on every
 * span; other instrumentations set them on some spans only — the Vercel AI SDK's `ai.toolCall`
 * spans carry no telemetry metadata, OpenInference children of an agent carry no agent name —
 * so a span missing one takes it from its nearest ancestor in the same request that has it,
 * and a span with no session id takes the one any span of its trace in this request has,
 * before falling back to the trace id. Spans of one trace sent in different requests are
 * not joined (the collector keeps no cross-request state).
 */
export function normalizeSpans(spans: readonly DecodedSpan[], ctx: NormalizeContext): NormalizedBatch {
  const rows: SpanRow[] = [];
  const rejected: string[] = [];
  for (let i = 0; i < spans.length; i++) {
    const r = normalizeSpan(spans[i] as DecodedSpan, ctx);
    if ('row' in r) rows.push(r.row);
    else rejected.push(r.rejected);
  }
  if (rows.length > 1) inheritContext(rows);
  return { rows, rejected };
}

function hasSession(r: SpanRow): boolean {
  return r.session_id !== r.trace_id;
}

/** Bits of the four inherited values: session, agent, workflow, user. */
function presence(r: SpanRow): number {
  return (hasSession(r) ? 1 : 0) | (r.agent_name !== '' ? 2 : 0) | (r.workflow !== '' ? 4 : 0) | (r.user_id !== '' ? 8 : 0);
}

function inheritContext(rows: SpanRow[]): void {
  // A value can only be inherited when some span lacks it and another has it. Often no value
  // qualifies (every span carries the session and agent, none a workflow), and the parent
  // walk below — a map of every span — would change nothing.
  let some = 0;
  let all = 15;
  for (const r of rows) {
    const p = presence(r);
    some |= p;
    all &= p;
  }
  if ((some & ~all) === 0) return;
  const byId = new Map<string, SpanRow>();
  const traceSession = new Map<string, string>();
  for (const r of rows) {
    byId.set(r.trace_id + r.span_id, r);
    if (hasSession(r) && !traceSession.has(r.trace_id)) traceSession.set(r.trace_id, r.session_id);
  }
  for (const r of rows) {
    let session = hasSession(r) ? r.session_id : '';
    let agent = r.agent_name;
    let workflow = r.workflow;
    let user = r.user_id;
    let parent = r.parent_span_id;
    for (let hops = 0; parent !== '' && hops < MAX_HOPS; hops++) {
      if (session !== '' && agent !== '' && workflow !== '' && user !== '') break;
      const p = byId.get(r.trace_id + parent);
      if (p === undefined) break;
      if (session === '' && hasSession(p)) session = p.session_id;
      agent ||= p.agent_name;
      workflow ||= p.workflow;
      user ||= p.user_id;
      parent = p.parent_span_id;
    }
    r.session_id = session !== '' ? session : (traceSession.get(r.trace_id) ?? r.trace_id);
    r.agent_name = agent;
    r.workflow = workflow;
    r.user_id = user;
  }
}
