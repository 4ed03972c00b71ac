import { CartesianGrid, ComposedChart, Line, ReferenceLine, ResponsiveContainer, Scatter, Tooltip, XAxis, YAxis } from 'recharts';
import type { CalibrationBin } from '../../api/types';

// Lazily loaded: recharts stays out of the initial bundle.

/** Both axes are a fraction in [0, 1]. */
const UNIT_AXIS = {
  type: 'number',
  domain: [0, 1],
  ticks: [0, 0.2, 0.4, 0.6, 0.8, 1],
  stroke: 'var(--muted)',
  fontSize: 10,
} as const;

/**
 * The reliability diagram: each non-empty bin as a point at (mean confidence, observed accuracy),
 * the diagonal is perfect calibration; points below it are over-confident. Dot size follows the
 * bin's count so a bin of 2 steps does not look as settled as one of 200.
 */
export default function ReliabilityChart({ bins, threshold }: { bins: CalibrationBin[]; threshold: number | null }) {
  const max = Math.max(1, ...bins.map((b) => b.count));
  const points = bins
    .filter((b) => b.count > 0)
    .map((b) => ({ conf: b.mean_confidence, acc: b.accuracy, count: b.count, size: 40 + (160 * b.count) / max }));
  return (
    <ResponsiveContainer width="100%" height="100%">
      <ComposedChart data={points} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
        <CartesianGrid stroke="var(--line)" strokeDasharray="2 4" />
        <XAxis
          {...UNIT_AXIS}
          dataKey="conf"
          label={{ value: 'reported confidence', position: 'insideBottomRight', offset: -2, fontSize: 10, fill: 'var(--muted)' }}
        />
        <YAxis {...UNIT_AXIS} dataKey="acc" width={40} />
        <ReferenceLine
          segment={[
            { x: 0, y: 0 },
            { x: 1, y: 1 },
          ]}
          stroke="var(--muted)"
          strokeDasharray="4 4"
          ifOverflow="extendDomain"
        />
        {threshold !== null ? (
          <ReferenceLine
            x={threshold}
            stroke="var(--accent)"
            label={{ value: 'threshold', fontSize: 10, fill: 'var(--accent)' }}
          />
        ) : null}
        <Line dataKey="acc" stroke="var(--accent)" dot={false} isAnimationActive={false} />
        <Scatter dataKey="acc" fill="var(--accent)" isAnimationActive={false} />
        <Tooltip
          formatter={(v, name) => (name === 'acc' ? `${(Number(v) * 100).toFixed(1)}% correct` : String(v))}
          labelFormatter={(l) => `confidence ${Number(l).toFixed(2)}`}
          contentStyle={{ background: 'var(--bg2)', border: '1px solid var(--line)', fontSize: 11 }}
        />
      </ComposedChart>
    </ResponsiveContainer>
  );
}
