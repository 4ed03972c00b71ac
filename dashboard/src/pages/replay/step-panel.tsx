import { useEffect, useMemo, useState } from 'react';
import type { Score, Step, StepDetailResponse } from '../../api/types';
import { Agent, Badge, ErrorBox, Id, Skeleton } from '../../components/common';
import { confidence, count, duration, money } from '../../lib/format';
import { diffJson, diffStats, parseJson } from '../../lib/json-diff';
import { Folded, Messages, pretty } from './messages';
import { loadStep } from './step-cache';
import { StateTree } from './state-tree';
import { usageUnreported } from '../../lib/wording';

export const TABS = ['messages', 'tool', 'state', 'attributes', 'events'] as const;
export type Tab = (typeof TABS)[number];

function useStep(sessionId: string, spanId: string) {
  const [state, setState] = useState<{ id: string; data?: StepDetailResponse; error?: Error }>({ id: spanId });
  const [retry, setRetry] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => (s.id === spanId ? s : { id: spanId }));
    loadStep(sessionId, spanId).then(
      (data) => live && setState({ id: spanId, data }),
      (error: Error) => live && setState({ id: spanId, error }),
    );
    return () => {
      live = false;
    };
  }, [sessionId, spanId, retry]);
  return { ...(state.id === spanId ? state : { id: spanId }), retry: () => setRetry((r) => r + 1) };
}

function StateView({ detail }: { detail: StepDetailResponse }) {
  const cur = parseJson(detail.step.state);
  const prev = parseJson(detail.previous_state?.state);
  const own = detail.step.state !== null && detail.step.state !== '';
  const root = useMemo(() => {
    if (own && cur.ok) return diffJson(prev.ok ? prev.value : undefined, cur.value, '$', prev.ok);
    if (!own && prev.ok) return diffJson(undefined, prev.value, '$', false);
    return undefined;
  }, [detail]); // eslint-disable-line react-hooks/exhaustive-deps
  if (!own && !prev.ok) return <p className="muted">No state snapshot recorded up to this step.</p>;
  if (own && !cur.ok) return <Folded text={cur.text} className="mono" />;
  const stats = root && own && prev.ok ? diffStats(root) : undefined;
  return (
    <div>
      <div className="muted small state-legend" data-testid="state-summary">
        {own
          ? prev.ok
            ? `Snapshot on this step vs the previous one (${detail.previous_state!.span_id.slice(0, 8)}): `
            : 'First snapshot of the session.'
          : `No snapshot on this step; the latest one before it (${detail.previous_state!.span_id.slice(0, 8)}):`}
        {stats ? (
          <>
            <span className="st-added-t">+{stats.added} added</span> ·{' '}
            <span className="st-removed-t">−{stats.removed} removed</span> ·{' '}
            <span className="st-changed-t">~{stats.changed} changed</span>
          </>
        ) : null}
      </div>
      {root ? <StateTree root={root} /> : null}
    </div>
  );
}

function attr(detail: StepDetailResponse, key: string): unknown {
  const a = detail.step.attributes;
  return typeof a === 'object' && a !== null ? (a as Record<string, unknown>)[key] : undefined;
}

/** Where a tool ran: the MCP server (`server.address`:`server.port`) and method of an MCP span. */
function toolServer(detail: StepDetailResponse): string {
  const address = attr(detail, 'server.address');
  const port = attr(detail, 'server.port');
  const method = attr(detail, 'mcp.method.name');
  const where = typeof address === 'string' && address !== '' ? `${address}${port !== undefined ? `:${String(port)}` : ''}` : '';
  if (typeof method === 'string' && method !== '') return where ? `MCP ${method} on ${where}` : `MCP ${method}`;
  return where;
}

/** The tools offered to the model (`gen_ai.tool.definitions`), as recorded: JSON text or a value. */
function ToolDefinitions({ detail }: { detail: StepDetailResponse }) {
  const defs = attr(detail, 'gen_ai.tool.definitions');
  if (defs === undefined || defs === null || defs === '') return null;
  const text = typeof defs === 'string' ? pretty(defs) : JSON.stringify(defs, null, 2);
  return (
    <div className="tool-definitions" data-testid="tool-definitions">
      <label>Tools offered</label>
      <Folded text={text} className="mono code-block" />
    </div>
  );
}

function Tool({ detail }: { detail: StepDetailResponse }) {
  const s = detail.step;
  if (s.kind !== 'tool' && !s.tool_name)
    return <p className="muted">Not a tool call. Tool calls the model asked for are in Messages.</p>;
  const server = toolServer(detail);
  return (
    <div className="tool" data-testid="tool">
      <h3>
        <span className="mono">{s.tool_name || s.name}</span>
        {server ? (
          <span className="muted small" data-testid="tool-server">
            {' '}
            · {server}
          </span>
        ) : null}
      </h3>
      <label>Arguments</label>
      <Folded text={pretty(s.input)} className="mono code-block" />
      <label>Result</label>
      {s.output ? (
        <Folded text={pretty(s.output)} className="mono code-block" />
      ) : (
        <p className="muted">no result{s.status === 'error' ? ' (failed)' : ''}</p>
      )}
    </div>
  );
}

/** The scores recorded on this step (evaluation events, human or API scores), with their explanation on hover. */
function StepScores({ scores }: { scores: Score[] }) {
  if (!scores.length) return null;
  return (
    <span className="step-scores">
      {scores.map((s) => (
        <Badge
          key={s.score_id}
          tone={s.source === 'eval' ? 'blue' : 'grey'}
          title={s.comment || undefined}
          data={{ testid: 'step-score', source: s.source }}
        >
          {s.name} {typeof s.value === 'number' ? String(Math.round(s.value * 1000) / 1000) : String(s.value)}
        </Badge>
      ))}
    </span>
  );
}

export function StepPanel({
  sessionId,
  step,
  tab,
  onTab,
  scores = [],
  marked = false,
}: {
  sessionId: string;
  step: Step;
  tab: Tab;
  onTab: (t: Tab) => void;
  scores?: Score[];
  /** The step is the decision point of the review item the replay was opened from. */
  marked?: boolean;
}) {
  const { data, error, retry } = useStep(sessionId, step.span_id);
  const own = useMemo(() => scores.filter((s) => s.span_id === step.span_id), [scores, step.span_id]);
  return (
    <section
      className={marked ? 'step-panel marked' : 'step-panel'}
      data-testid="step-panel"
      data-span={step.span_id}
      data-marked={marked}
    >
      <div className="step-head">
        <span className={`kind kind-${step.kind}`}>{step.kind}</span>
        <b className="step-name">{step.name}</b>
        <Agent name={step.agent_name} />
        {step.model ? <span className="mono muted">{step.model}</span> : null}
        <span className="sep" />
        <span title="confidence" data-testid="step-confidence">
          conf {confidence(step.confidence)}
        </span>
        <span title={`in ${step.input_tokens} · out ${step.output_tokens}`}>
          tok {count(step.input_tokens + step.output_tokens)}
        </span>
        {usageUnreported(step) ? (
          <span
            data-testid="step-cost"
            className="badge badge-amber"
            title="The instrumentation reported no token counts for this call (a streamed completion without usage), so its cost is unknown, not $0."
          >
            usage not reported
          </span>
        ) : (
          <span data-testid="step-cost">{money(step.cost_usd)}</span>
        )}
        <span className="muted" title="Cost of the session so far: this step and every step before it">
          so far {money(step.cumulative_cost_usd)}
        </span>
        <span>{duration(step.duration_ms)}</span>
        {step.status === 'error' ? <Badge tone="red">error</Badge> : null}
        {step.has_escalation ? <Badge tone="amber">escalation</Badge> : null}
        {marked ? (
          <Badge tone="blue" data={{ testid: 'decision-point' }}>
            decision point
          </Badge>
        ) : null}
        {step.has_limit_hit ? <Badge tone="purple">cap hit</Badge> : null}
        <StepScores scores={own} />
        <Id value={step.span_id} short={10} />
      </div>
      {step.status === 'error' && step.status_message ? <div className="error-box">{step.status_message}</div> : null}
      <div className="tabs" role="tablist">
        {TABS.map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            aria-selected={tab === t}
            className={tab === t ? 'on' : undefined}
            onClick={() => onTab(t)}
          >
            {t === 'state' ? 'State (diff)' : t[0]!.toUpperCase() + t.slice(1)}
            {t === 'state' && step.has_state ? ' ●' : ''}
          </button>
        ))}
      </div>
      <div className="tab-body">
        {error ? <ErrorBox error={error} retry={retry} what="this step's payload" /> : null}
        {!data && !error ? <Skeleton rows={4} /> : null}
        {data && tab === 'messages' ? (
          data.step.kind === 'tool' ? (
            <Tool detail={data} />
          ) : (
            <>
              <Messages input={data.step.input} output={data.step.output} />
              <ToolDefinitions detail={data} />
            </>
          )
        ) : null}
        {data && tab === 'tool' ? <Tool detail={data} /> : null}
        {data && tab === 'state' ? <StateView detail={data} /> : null}
        {data && tab === 'attributes' ? (
          <pre className="mono code-block">
            {JSON.stringify({ ...data.step, input: undefined, output: undefined, state: undefined }, null, 2)}
          </pre>
        ) : null}
        {data && tab === 'events' ? <Events events={data.step.events} /> : null}
      </div>
    </section>
  );
}

function Events({ events }: { events: unknown }) {
  const list = Array.isArray(events) ? (events as { name: string; time_ns: string; attributes: Record<string, unknown> }[]) : [];
  if (!list.length) return <p className="muted">No events.</p>;
  return (
    <table className="grid">
      <tbody>
        {list.map((e, i) => (
          <tr key={i}>
            <td className="mono">{e.name}</td>
            <td className="mono muted">{new Date(Number(BigInt(e.time_ns) / 1_000_000n)).toISOString().slice(11, 23)}</td>
            <td className="mono">{JSON.stringify(e.attributes)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
