import { useEffect, useRef, useState } from 'react';
import { agentColor, MARK } from '../../lib/colors';
import { duration } from '../../lib/format';
import type { ReplayModel } from './replay-model';

const LANE = 22;
const PAD_LEFT = 6;
const LABEL_W = 110;

/**
 * The waterfall: one lane per agent, every step a bar at its offset and duration, drawn on a
 * canvas from the model's typed arrays (10,000 bars are a few milliseconds; DOM bars are not).
 * Agent and session spans sit on a thin top row of their lane, their children below, so
 * parallel sub-agents read as overlapping lanes.
 */
export function Timeline({ model, current, onSelect }: { model: ReplayModel; current: number; onSelect: (i: number) => void }) {
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(600);
  const height = Math.max(60, model.agents.length * LANE + 18);

  useEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    setWidth(el.clientWidth);
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = width * dpr;
    c.height = height * dpr;
    const g = c.getContext('2d');
    if (!g) return;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    const css = getComputedStyle(c);
    const fg = css.getPropertyValue('--muted') || '#888';
    const line = css.getPropertyValue('--line') || '#333';
    g.clearRect(0, 0, width, height);
    const plotW = Math.max(10, width - LABEL_W - PAD_LEFT * 2);
    const x = (ms: number) => LABEL_W + PAD_LEFT + (model.totalMs > 0 ? (ms / model.totalMs) * plotW : 0);
    g.font = '11px system-ui, sans-serif';
    g.textBaseline = 'middle';
    model.agents.forEach((a, l) => {
      g.fillStyle = fg;
      g.fillText(a.length > 16 ? a.slice(0, 15) + '…' : a || '(no agent)', 4, l * LANE + LANE / 2);
      g.fillStyle = line;
      g.fillRect(LABEL_W, l * LANE + LANE - 0.5, plotW + PAD_LEFT * 2, 0.5);
    });
    const n = model.steps.length;
    for (let i = 0; i < n; i++) {
      const l = model.lane[i]!;
      const k = model.steps[i]!.kind;
      const top = k === 'agent' || k === 'session';
      const x0 = x(model.offset[i]!);
      const w = Math.max(1, x(model.offset[i]! + model.duration[i]!) - x0);
      const y = l * LANE + (top ? 3 : 9);
      const h = top ? 4 : 10;
      g.fillStyle = model.steps[i]!.status === 'error' ? MARK.error : agentColor(model.agents[l]!);
      g.globalAlpha = top ? 0.55 : 0.9;
      g.fillRect(x0, y, w, h);
    }
    g.globalAlpha = 1;
    // Ticks along the bottom.
    g.fillStyle = fg;
    const steps = 6;
    for (let t = 0; t <= steps; t++) {
      const ms = (model.totalMs * t) / steps;
      const tx = x(ms);
      g.fillRect(tx, height - 16, 0.5, 4);
      g.fillText(duration(ms), Math.min(tx + 2, width - 40), height - 7);
    }
    if (current >= 0 && current < n) {
      const cx = x(model.offset[current]!);
      const l = model.lane[current]!;
      g.strokeStyle = getComputedStyle(c).getPropertyValue('--fg') || '#fff';
      g.lineWidth = 1.5;
      const w = Math.max(3, x(model.offset[current]! + model.duration[current]!) - cx);
      g.strokeRect(cx - 1, l * LANE + 1, w + 2, LANE - 2);
      g.fillStyle = getComputedStyle(c).getPropertyValue('--accent') || '#6af';
      g.fillRect(cx - 0.5, 0, 1, height - 18);
    }
  }, [model, current, width, height]);

  const pick = (e: React.MouseEvent<HTMLCanvasElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    const px = e.clientX - rect.left;
    const lane = Math.floor((e.clientY - rect.top) / LANE);
    const plotW = Math.max(10, width - LABEL_W - PAD_LEFT * 2);
    const ms = ((px - LABEL_W - PAD_LEFT) / plotW) * model.totalMs;
    // The innermost step of that lane under the pointer, else the nearest start in the lane.
    let best = -1;
    let bestScore = Infinity;
    for (let i = 0; i < model.steps.length; i++) {
      if (model.lane[i] !== lane) continue;
      const s = model.offset[i]!;
      const inside = ms >= s && ms <= s + model.duration[i]!;
      const score = inside ? model.duration[i]! : model.totalMs + Math.abs(ms - s);
      if (score < bestScore) {
        bestScore = score;
        best = i;
      }
    }
    if (best >= 0) onSelect(best);
  };

  return (
    <div ref={wrap} className="timeline" data-testid="timeline">
      <canvas ref={canvas} style={{ width, height, cursor: 'pointer' }} onClick={pick} aria-label="timeline of steps by agent" />
    </div>
  );
}
