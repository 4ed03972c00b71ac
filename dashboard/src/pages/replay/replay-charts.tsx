import { memo, useMemo } from 'react';
import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { MARK } from '../../lib/colors';
import { money } from '../../lib/format';
import { moneyAxisWidth, moneyTick, stepTicks } from '../../lib/wording';
import { costCapView, type CostCapView } from './cost-caps';
import { downsample, type ReplayModel } from './replay-model';

// This module is the only one on the replay route importing recharts: it loads lazily, after the
// tree and timeline are already on screen.

const MAX_POINTS = 1500;
const MAX_MARKS = 120;

interface Props {
  model: ReplayModel;
  current: number;
  onSelect: (i: number) => void;
  /** The run's own cost cap (`caps.max_cost_usd`), null when it has none. */
  capUsd: number | null;
  /** The whole session's cost (summary), so the cap view does not change while pages stream in. */
  totalCostUsd: number;
}

/** Markers thinned to at most MAX_MARKS, spread evenly, so a session with 3,000 errors still draws. */
function thin(list: number[]): number[] {
  if (list.length <= MAX_MARKS) return list;
  const stride = list.length / MAX_MARKS;
  return Array.from({ length: MAX_MARKS }, (_, k) => list[Math.floor(k * stride)]!);
}

const axis = { stroke: 'var(--muted)', fontSize: 10, tickLine: false } as const;

function useData(model: ReplayModel) {
  return useMemo(() => {
    const keep = [...model.errors, ...model.escalations, ...model.limits].slice(0, 2000);
    const cost = downsample(model.steps.length, MAX_POINTS, keep).map((i) => ({ i, cost: model.steps[i]!.cumulative_cost_usd }));
    const withConf: number[] = [];
    for (let i = 0; i < model.steps.length; i++) if (model.steps[i]!.confidence !== null) withConf.push(i);
    const conf = downsample(withConf.length, MAX_POINTS).map((k) => ({
      i: withConf[k]!,
      conf: model.steps[withConf[k]!]!.confidence,
    }));
    return { cost, conf, marks: { error: thin(model.errors), escalation: thin(model.escalations), limit: thin(model.limits) } };
  }, [model]);
}

type Marks = ReturnType<typeof useData>['marks'];

function markerLines(marks: Marks) {
  return [
    ...marks.limit.map((i) => <ReferenceLine key={`l${i}`} x={i} stroke={MARK.limit} strokeDasharray="2 2" />),
    ...marks.escalation.map((i) => <ReferenceLine key={`e${i}`} x={i} stroke={MARK.escalation} strokeDasharray="2 2" />),
    ...marks.error.map((i) => <ReferenceLine key={`x${i}`} x={i} stroke={MARK.error} strokeDasharray="2 2" />),
  ];
}

/** 50 % and 80 % amber like a budget warning, 100 % red like the cap hit it is. */
const CAP_STROKE: Record<number, string> = { 50: MARK.escalation, 80: MARK.escalation, 100: MARK.error };

function capLines(view: CostCapView) {
  if (view.kind !== 'lines') return [];
  return view.lines.map((l) => (
    <ReferenceLine
      key={`cap${l.percent}`}
      y={l.usd}
      stroke={CAP_STROKE[l.percent]}
      strokeDasharray={l.percent === 100 ? undefined : '4 3'}
      className={`cap-line cap-line-${l.percent}`}
      // Stretches the y-axis to the 100 % line (costCapView only asks for lines past 50 %).
      ifOverflow="extendDomain"
      label={{
        value: l.label,
        position: 'insideTopLeft',
        fill: 'var(--muted)',
        fontSize: 10,
        // Recharts draws labels in a layer of their own, away from the line's group.
        className: `cap-label cap-label-${l.percent}`,
      }}
    />
  ));
}

const click = (onSelect: (i: number) => void) => (s: { activeLabel?: string | number } | null) => {
  const i = Number(s?.activeLabel);
  if (Number.isInteger(i)) onSelect(i);
};

// The static part of each chart is memoized on the data; only the cursor line changes per step.
const CostChart = memo(function CostChart({
  data,
  n,
  marks,
  cap,
  current,
  onSelect,
}: {
  data: { i: number; cost: number }[];
  n: number;
  marks: Marks;
  cap: CostCapView;
  current: number;
  onSelect: (i: number) => void;
}) {
  // Wide enough for the longest label ($0.00008 is not clipped to ".00008"); ticks between 0
  // and the top can carry one more digit than the top itself.
  const top = Math.max(data[data.length - 1]?.cost ?? 0, cap.kind === 'lines' ? cap.capUsd : 0);
  const yWidth = moneyAxisWidth([top, top / 3]) + 7;
  return (
    <ResponsiveContainer width="100%" height="100%">
      <LineChart data={data} margin={{ top: 6, right: 12, bottom: 0, left: 0 }} onClick={click(onSelect)}>
        <CartesianGrid stroke="var(--line)" strokeDasharray="2 4" vertical={false} />
        <XAxis
          dataKey="i"
          type="number"
          domain={[0, Math.max(1, n - 1)]}
          {...axis}
          ticks={stepTicks(n)}
          allowDecimals={false}
          tickFormatter={(v: number) => String(v + 1)}
        />
        <YAxis {...axis} width={yWidth} tickFormatter={(v: number) => moneyTick(v)} />
        <Tooltip
          formatter={(v) => money(Number(v))}
          labelFormatter={(l) => `step ${Number(l) + 1}`}
          contentStyle={{ background: 'var(--bg2)', border: '1px solid var(--line)', fontSize: 11 }}
        />
        {markerLines(marks)}
        {capLines(cap)}
        <Line type="stepAfter" dataKey="cost" stroke="var(--accent)" dot={false} isAnimationActive={false} strokeWidth={1.5} />
        <ReferenceLine x={current} stroke="var(--fg)" strokeWidth={1.5} className="chart-cursor" ifOverflow="extendDomain" />
      </LineChart>
    </ResponsiveContainer>
  );
});

const ConfChart = memo(function ConfChart({
  data,
  n,
  marks,
  current,
  onSelect,
}: {
  data: { i: number; conf: number | null }[];
  n: number;
  marks: Marks;
  current: number;
  onSelect: (i: number) => void;
}) {
  if (!data.length) return <div className="empty muted small">No step recorded a confidence.</div>;
  return (
    <ResponsiveContainer width="100%" height="100%">
      <LineChart data={data} margin={{ top: 6, right: 12, bottom: 0, left: 0 }} onClick={click(onSelect)}>
        <CartesianGrid stroke="var(--line)" strokeDasharray="2 4" vertical={false} />
        <XAxis
          dataKey="i"
          type="number"
          domain={[0, Math.max(1, n - 1)]}
          {...axis}
          ticks={stepTicks(n)}
          allowDecimals={false}
          tickFormatter={(v: number) => String(v + 1)}
        />
        <YAxis {...axis} width={34} domain={[0, 1]} ticks={[0, 0.5, 1]} />
        <Tooltip
          labelFormatter={(l) => `step ${Number(l) + 1}`}
          contentStyle={{ background: 'var(--bg2)', border: '1px solid var(--line)', fontSize: 11 }}
        />
        {markerLines({ ...marks, error: [], limit: [] })}
        <Line
          type="monotone"
          dataKey="conf"
          stroke={MARK.escalation}
          dot={data.length < 200 ? { r: 1.5 } : false}
          isAnimationActive={false}
          strokeWidth={1.5}
          connectNulls
        />
        <ReferenceLine x={current} stroke="var(--fg)" strokeWidth={1.5} className="chart-cursor" ifOverflow="extendDomain" />
      </LineChart>
    </ResponsiveContainer>
  );
});

export default function ReplayCharts({ model, current, onSelect, capUsd, totalCostUsd }: Props) {
  const { cost, conf, marks } = useData(model);
  const n = model.steps.length;
  const reached = Math.max(totalCostUsd, model.steps[n - 1]?.cumulative_cost_usd ?? 0);
  const cap = useMemo(() => costCapView(capUsd, reached), [capUsd, reached]);
  return (
    <div className="charts" data-testid="charts" data-cursor={current} data-cost-cap={cap.kind}>
      <div className="chart" data-testid="cost-chart">
        <div className="chart-title">
          cumulative cost <span className="muted">{money(model.steps[current]?.cumulative_cost_usd)}</span>
          {cap.kind === 'note' ? (
            <span
              className="muted small cap-note"
              data-testid="cost-cap-note"
              title="The run's own cost cap (SDK caps.maxCostUsd). Its 50/80/100 % lines are drawn once the run reaches half of it."
            >
              {' '}
              · {cap.label}
            </span>
          ) : null}
        </div>
        <div className="chart-body">
          <CostChart data={cost} n={n} marks={marks} cap={cap} current={current} onSelect={onSelect} />
        </div>
      </div>
      <div className="chart" data-testid="confidence-chart">
        <div className="chart-title">
          confidence <span className="muted">{model.steps[current]?.confidence?.toFixed(2) ?? '—'}</span>
        </div>
        <div className="chart-body">
          <ConfChart data={conf} n={n} marks={marks} current={current} onSelect={onSelect} />
        </div>
      </div>
    </div>
  );
}
