import { ATTR, type SessionEscalation } from '@cairn/schemas';
import { sessionEscalationEvents, type Store } from '@cairn/storage';

/**
 * The replay's escalations: each `cairn.escalation` event of the session with the
 * `cairn.escalation.decision` the agent recorded after waiting (paired by review item id, else
 * by order on the span), so the replay shows both without reading every step's events.
 */

interface RawEvent {
  name?: unknown;
  time_ns?: unknown;
  attributes?: Record<string, unknown>;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : v === undefined || v === null ? null : String(v));
const timeOf = (e: RawEvent): string => {
  const ns = typeof e.time_ns === 'string' && /^\d{1,20}$/.test(e.time_ns) ? BigInt(e.time_ns) : 0n;
  return new Date(Number(ns / 1_000_000n)).toISOString();
};

function parse(events: string): RawEvent[] {
  try {
    const v = JSON.parse(events) as unknown;
    return Array.isArray(v) ? (v as RawEvent[]).filter((e) => typeof e === 'object' && e !== null) : [];
  } catch {
    return [];
  }
}

export function escalationsOf(spanId: string, events: readonly RawEvent[]): SessionEscalation[] {
  const out: SessionEscalation[] = [];
  const decisions = events.filter((e) => e.name === ATTR.EVENT_ESCALATION_DECISION);
  for (const e of events) {
    if (e.name !== ATTR.EVENT_ESCALATION) continue;
    const a = e.attributes ?? {};
    const itemId = str(a[ATTR.ESCALATION_ITEM_ID]);
    const di = decisions.findIndex((d) => (itemId === null ? true : str(d.attributes?.[ATTR.ESCALATION_ITEM_ID]) === itemId));
    const d = di >= 0 ? decisions.splice(di, 1)[0]?.attributes : undefined;
    out.push({
      span_id: spanId,
      time: timeOf(e),
      reason: str(a[ATTR.ESCALATION_REASON]) ?? '',
      target: str(a[ATTR.ESCALATION_TARGET]) ?? '',
      item_id: itemId,
      decision: d ? str(d[ATTR.DECISION]) : null,
      decided_by: d ? str(d[ATTR.DECISION_BY]) : null,
      comment: d ? (str(d[ATTR.DECISION_COMMENT]) ?? '') : '',
      fallback: d ? str(d[ATTR.DECISION_FALLBACK]) : null,
      edited_action: d ? str(d[ATTR.DECISION_ACTION]) : null,
    });
  }
  return out;
}

export async function sessionEscalations(store: Store, projectId: string, sessionId: string): Promise<SessionEscalation[]> {
  const rows = await sessionEscalationEvents(store, projectId, sessionId);
  return rows.flatMap((r) => escalationsOf(r.span_id, parse(r.events)));
}
