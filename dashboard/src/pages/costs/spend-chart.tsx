import { useMemo } from 'react';
import { Area, AreaChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { CostsResponse } from '../../api/types';
import { agentColor } from '../../lib/colors';
import { money } from '../../lib/format';

// Lazily loaded: recharts stays out of the initial bundle.

/** Spend per bucket stacked by group; series rows are pivoted into one row per bucket. */
export default function SpendChart({ data }: { data: CostsResponse }) {
  const { rows, keys } = useMemo(() => {
    const keys = data.groups.map((g) => g.key);
    const byTime = new Map<string, Record<string, number | string>>();
    for (const p of data.series) {
      const row = byTime.get(p.time) ?? { time: p.time };
      row[p.key] = p.cost_usd;
      byTime.set(p.time, row);
    }
    const rows = [...byTime.values()].sort((a, b) => String(a.time).localeCompare(String(b.time)));
    for (const r of rows) for (const k of keys) r[k] ??= 0;
    return { rows, keys };
  }, [data]);
  const fmt = (t: string) => (data.bucket === 'hour' ? t.slice(5, 13).replace('T', ' ') + 'h' : t.slice(5, 10));
  if (!rows.length) return <div className="empty muted">No spend in this range.</div>;
  return (
    <ResponsiveContainer width="100%" height="100%">
      <AreaChart data={rows} margin={{ top: 6, right: 12, bottom: 0, left: 0 }}>
        <CartesianGrid stroke="var(--line)" strokeDasharray="2 4" vertical={false} />
        <XAxis dataKey="time" tickFormatter={fmt} stroke="var(--muted)" fontSize={10} tickLine={false} />
        <YAxis tickFormatter={(v: number) => money(v)} stroke="var(--muted)" fontSize={10} tickLine={false} width={62} />
        <Tooltip formatter={(v) => money(Number(v))} labelFormatter={(l) => String(l).replace('T', ' ').slice(0, 16)} contentStyle={{ background: 'var(--bg2)', border: '1px solid var(--line)', fontSize: 11 }} />
        <Legend wrapperStyle={{ fontSize: 11 }} />
        {keys.map((k) => (
          <Area key={k} type="stepAfter" dataKey={k} name={k || '(none)'} stackId="1" stroke={agentColor(k)} fill={agentColor(k)} fillOpacity={0.35} isAnimationActive={false} />
        ))}
      </AreaChart>
    </ResponsiveContainer>
  );
}
