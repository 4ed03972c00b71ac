import { useMemo } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { CostsResponse } from '../../api/types';
import { agentColor } from '../../lib/colors';
import { money } from '../../lib/format';

// Lazily loaded: recharts stays out of the initial bundle.

/** Spend per bucket stacked by group; series rows are pivoted into one row per bucket. */
export default function SpendChart({ data }: { data: CostsResponse }) {
  const { rows, keys } = useMemo(() => {
    const keys = data.groups.map((g) => g.key);
    const byTime = new Map<string, Record<string, number | string>>();
    // Empty buckets are omitted by the API; fill them so the time axis is linear.
    const stepMs = data.bucket === 'hour' ? 3_600_000 : 86_400_000;
    const first = Math.floor(Date.parse(data.from) / stepMs) * stepMs;
    const end = Date.parse(data.to);
    for (let t = first, k = 0; t < end && k < 2000; t += stepMs, k++) {
      const iso = new Date(t).toISOString();
      byTime.set(iso, { time: iso });
    }
    const norm = (t: string) => new Date(Date.parse(t)).toISOString();
    for (const p of data.series) {
      const time = norm(p.time);
      const row = byTime.get(time) ?? { time };
      row[p.key] = p.cost_usd;
      byTime.set(time, row);
    }
    const rows = [...byTime.values()].sort((a, b) => String(a.time).localeCompare(String(b.time)));
    for (const r of rows) for (const k of keys) r[k] ??= 0;
    return { rows, keys };
  }, [data]);
  const fmt = (t: string) => (data.bucket === 'hour' ? t.slice(5, 13).replace('T', ' ') + 'h' : t.slice(5, 10));
  if (!data.series.length) return <div className="empty muted">No spend in this range.</div>;
  return (
    <ResponsiveContainer width="100%" height="100%">
      <BarChart data={rows} margin={{ top: 6, right: 12, bottom: 0, left: 0 }}>
        <CartesianGrid stroke="var(--line)" strokeDasharray="2 4" vertical={false} />
        <XAxis dataKey="time" tickFormatter={fmt} stroke="var(--muted)" fontSize={10} tickLine={false} />
        <YAxis tickFormatter={(v: number) => money(v)} stroke="var(--muted)" fontSize={10} tickLine={false} width={62} />
        <Tooltip
          formatter={(v) => money(Number(v))}
          labelFormatter={(l) => String(l).replace('T', ' ').slice(0, 16)}
          contentStyle={{ background: 'var(--bg2)', border: '1px solid var(--line)', fontSize: 11 }}
        />
        <Legend wrapperStyle={{ fontSize: 11 }} />
        {keys.map((k) => (
          <Bar
            key={k}
            dataKey={k}
            name={k || '(none)'}
            stackId="1"
            fill={agentColor(k)}
            fillOpacity={0.8}
            isAnimationActive={false}
          />
        ))}
      </BarChart>
    </ResponsiveContainer>
  );
}
