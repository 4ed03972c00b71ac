import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { CostModelResponse } from '../../api/types';
import { money } from '../../lib/format';

// Lazily loaded: recharts stays out of the initial bundle.

const tooltipStyle = { background: 'var(--bg2)', border: '1px solid var(--line)', fontSize: 11 };
const STATS = [
  { key: 'mean_usd', name: 'mean', color: 'var(--accent)' },
  { key: 'p50_usd', name: 'p50', color: 'var(--green)' },
  { key: 'p90_usd', name: 'p90', color: 'var(--amber)' },
  { key: 'p99_usd', name: 'p99', color: 'var(--red)' },
] as const;

/** The recorded cost-per-run distribution, and the three scenarios side by side. */
export default function CostModelCharts({ r }: { r: CostModelResponse }) {
  const bins = r.histogram.map((b) => ({ label: `${money(b.from_usd)}–${money(b.to_usd)}`, runs: b.runs }));
  const scenarios = (['expected', 'edge', 'failure'] as const).map((name) => {
    const s = r.scenarios[name];
    return { name, ...(s ? Object.fromEntries(STATS.map((m) => [m.key, s[m.key]])) : {}) };
  });
  return (
    <div className="two-col">
      <div className="card chart-card section">
        <h2>Cost per recorded run</h2>
        <div className="chart-body" data-testid="cm-distribution">
          {bins.length ? (
            <ResponsiveContainer width="100%" height="100%">
              <BarChart data={bins} margin={{ top: 6, right: 12, bottom: 0, left: 0 }}>
                <CartesianGrid stroke="var(--line)" strokeDasharray="2 4" vertical={false} />
                <XAxis dataKey="label" stroke="var(--muted)" fontSize={9} tickLine={false} interval="preserveStartEnd" />
                <YAxis allowDecimals={false} stroke="var(--muted)" fontSize={10} tickLine={false} width={36} />
                <Tooltip contentStyle={tooltipStyle} />
                <Bar dataKey="runs" name="runs" fill="var(--accent)" fillOpacity={0.8} isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          ) : (
            <div className="empty muted">No recorded runs.</div>
          )}
        </div>
      </div>
      <div className="card chart-card section">
        <h2>Scenarios: cost per run</h2>
        <div className="chart-body" data-testid="cm-scenarios">
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={scenarios} margin={{ top: 6, right: 12, bottom: 0, left: 0 }}>
              <CartesianGrid stroke="var(--line)" strokeDasharray="2 4" vertical={false} />
              <XAxis dataKey="name" stroke="var(--muted)" fontSize={11} tickLine={false} />
              <YAxis tickFormatter={(v: number) => money(v)} stroke="var(--muted)" fontSize={10} tickLine={false} width={62} />
              <Tooltip formatter={(v) => money(Number(v))} contentStyle={tooltipStyle} />
              <Legend wrapperStyle={{ fontSize: 11 }} />
              {STATS.map((m) => (
                <Bar key={m.key} dataKey={m.key} name={m.name} fill={m.color} fillOpacity={0.85} isAnimationActive={false} />
              ))}
            </BarChart>
          </ResponsiveContainer>
        </div>
      </div>
    </div>
  );
}
