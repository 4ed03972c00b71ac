import { emptySpanRow, type SessionSummary, type SpanKind, type SpanRow } from '@cairn/schemas';
import { seededRandom } from '@cairn/testkit';

/**
 * A deterministic corpus of sessions for list tests, described abstractly so the same corpus
 * can be written straight into the store or sent through OTLP. `expected` is computed from the
 * description in plain JS: the oracle the API answers are compared with.
 */
export interface CorpusSpan {
  spanId: string;
  parentId: string;
  kind: SpanKind;
  name: string;
  agent: string;
  startMs: number;
  endMs: number;
  error: boolean;
  costMicros: number;
  inputTokens: number;
  outputTokens: number;
  model: string;
  tool: string;
  confidence: number | null;
  escalation: boolean;
}

export interface CorpusSession {
  sessionId: string;
  traceId: string;
  workflow: string;
  user: string;
  spans: CorpusSpan[];
}

export const AGENTS = ['planner', 'researcher', 'coder', 'reviewer', 'support-bot'];
export const WORKFLOWS = ['triage', 'refund', 'research'];
export const USERS = Array.from({ length: 20 }, (_, i) => `user-${String(i).padStart(2, '0')}`);
export const CORPUS_T0 = Date.UTC(2025, 5, 1, 0, 0, 0);
const HOUR = 3_600_000;

const hex = (n: number, len: number): string => n.toString(16).padStart(len, '0').slice(-len);

export function generateCorpus(count: number, seed = 7): CorpusSession[] {
  const r = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const sessions: CorpusSession[] = [];
  for (let i = 0; i < count; i++) {
    // Every 10th session starts at the same instant as the previous one: ties on `recent`.
    const startMs = i % 10 === 9 ? sessions[i - 1]!.spans[0]!.startMs : CORPUS_T0 + Math.floor(r() * 240 * HOUR);
    const agent = pick(AGENTS);
    const running = r() < 0.08;
    const rootError = !running && r() < 0.1;
    const steps = 1 + Math.floor(r() * 12);
    const traceId = hex(i + 1, 16) + hex(seed, 16);
    const rootId = hex(i * 64 + 1, 16);
    const spans: CorpusSpan[] = [];
    const base = {
      error: false,
      costMicros: 0,
      inputTokens: 0,
      outputTokens: 0,
      model: '',
      tool: '',
      confidence: null,
      escalation: false,
    };
    let t = startMs;
    for (let s = 0; s < steps; s++) {
      t += 1 + Math.floor(r() * 500);
      const roll = r();
      const kind: SpanKind = roll < 0.45 ? 'llm' : roll < 0.75 ? 'tool' : roll < 0.9 ? 'step' : 'escalation';
      const sub = r() < 0.3 ? pick(AGENTS) : agent;
      const dur = 1 + Math.floor(r() * 2000);
      spans.push({
        ...base,
        spanId: hex(i * 64 + 2 + s, 16),
        parentId: rootId,
        kind,
        name: kind === 'llm' ? 'chat' : kind === 'tool' ? 'execute_tool' : kind,
        agent: sub,
        startMs: t,
        endMs: t + dur,
        error: r() < 0.04,
        // Whole micro-dollars: sums are exact enough that ties on cost really tie.
        costMicros: kind === 'llm' ? 1 + Math.floor(r() * 5000) : 0,
        inputTokens: kind === 'llm' ? Math.floor(r() * 3000) : 0,
        outputTokens: kind === 'llm' ? Math.floor(r() * 800) : 0,
        model: kind === 'llm' ? pick(['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4']) : '',
        tool: kind === 'tool' ? pick(['search', 'fetch', 'sql']) : '',
        confidence: kind === 'llm' && r() < 0.5 ? Math.round(r() * 100) / 100 : null,
        escalation: kind === 'escalation',
      });
    }
    const endMs = Math.max(...spans.map((s) => s.endMs)) + 1;
    if (!running) {
      spans.unshift({
        ...base,
        spanId: rootId,
        parentId: '',
        kind: 'session',
        name: 'session',
        agent,
        startMs,
        endMs,
        error: rootError,
      });
    } else {
      // A running session has no root yet; its earliest span still names the agent.
      spans[0] = { ...spans[0]!, agent };
    }
    sessions.push({
      sessionId: `sess-${String(i).padStart(5, '0')}-${hex(Math.floor(r() * 0xffffff), 6)}`,
      traceId: traceId,
      workflow: pick(WORKFLOWS),
      user: pick(USERS),
      spans,
    });
  }
  return sessions;
}

export function toSpanRows(s: CorpusSession, projectId: string): SpanRow[] {
  return s.spans.map((x) => ({
    ...emptySpanRow(),
    project_id: projectId,
    session_id: s.sessionId,
    trace_id: s.traceId,
    span_id: x.spanId,
    parent_span_id: x.parentId,
    name: x.name,
    kind: x.kind,
    agent_name: x.agent,
    workflow: s.workflow,
    user_id: s.user,
    service_name: 'corpus',
    start_time_ns: BigInt(x.startMs) * 1_000_000n,
    end_time_ns: BigInt(x.endMs) * 1_000_000n,
    status: x.error ? 'error' : 'ok',
    status_message: x.error ? 'failed' : '',
    model: x.model,
    input_tokens: x.inputTokens,
    output_tokens: x.outputTokens,
    cost_usd: x.costMicros / 1e6,
    cost_source: x.costMicros > 0 ? 'provided' : 'none',
    confidence: x.confidence,
    tool_name: x.tool,
    has_escalation: x.escalation,
  }));
}

/** The summary the API must return for a corpus session. */
export function expectedSummary(s: CorpusSession): SessionSummary {
  const start = Math.min(...s.spans.map((x) => x.startMs));
  const end = Math.max(...s.spans.map((x) => x.endMs));
  const root = s.spans.find((x) => x.kind === 'session');
  const earliest = [...s.spans].filter((x) => x.agent !== '').sort((a, b) => a.startMs - b.startMs)[0];
  const confidences = s.spans.map((x) => x.confidence).filter((c): c is number => c !== null);
  const sum = (f: (x: CorpusSpan) => number): number => s.spans.reduce((a, x) => a + f(x), 0);
  const input = sum((x) => x.inputTokens);
  const output = sum((x) => x.outputTokens);
  // No corpus span carries `cairn.session.title`: the title is the root's name, as the API picks it.
  const titled = s.spans
    .filter((x) => x.parentId === '' || x.kind === 'session')
    .sort(
      (a, b) => Number(a.parentId !== '') - Number(b.parentId !== '') || a.startMs - b.startMs || (a.spanId < b.spanId ? -1 : 1),
    )[0];
  return {
    session_id: s.sessionId,
    title: titled?.name || null,
    agent_name: earliest?.agent ?? '',
    workflow: s.workflow,
    user_id: s.user,
    service_name: 'corpus',
    autonomy_level: '',
    start_time: new Date(start).toISOString(),
    end_time: new Date(end).toISOString(),
    duration_ms: end - start,
    status: !root ? 'running' : root.error ? 'error' : 'ok',
    steps: s.spans.length,
    llm_calls: s.spans.filter((x) => x.kind === 'llm').length,
    tool_calls: s.spans.filter((x) => x.kind === 'tool').length,
    input_tokens: input,
    output_tokens: output,
    cache_read_tokens: 0,
    reasoning_tokens: 0,
    total_tokens: input + output,
    cost_usd: sum((x) => x.costMicros) / 1e6,
    min_confidence: confidences.length > 0 ? Math.min(...confidences) : null,
    escalations: s.spans.filter((x) => x.escalation).length,
    errors: s.spans.filter((x) => x.error).length,
    limit_hits: 0,
    snapshots: 0,
    // The corpus tests run no alert engine: nothing is flagged.
    anomalies: [],
  };
}

export type SortName = 'recent' | 'cost' | 'duration' | 'steps';

/** Oracle for filter + sort + order: the ids the whole paged listing must return, in order. */
export function expectedIds(
  all: SessionSummary[],
  filter: (s: SessionSummary) => boolean,
  sort: SortName,
  order: 'asc' | 'desc',
): string[] {
  const key = (s: SessionSummary): number =>
    sort === 'recent'
      ? Date.parse(s.start_time)
      : sort === 'cost'
        ? Math.round(s.cost_usd * 1e9)
        : sort === 'duration'
          ? s.duration_ms
          : s.steps;
  const dir = order === 'asc' ? 1 : -1;
  return all
    .filter(filter)
    .sort((a, b) => dir * (key(a) - key(b)) || dir * (a.session_id < b.session_id ? -1 : a.session_id > b.session_id ? 1 : 0))
    .map((s) => s.session_id);
}
