import { useEffect, useRef, useState } from 'react';
import type { ReplayModel } from './replay-model';

export const SPEEDS = [0.5, 1, 2, 4] as const;
export type Pace = 'fixed' | 'real';
const FIXED_MS = 600;

/**
 * Play advances one step per tick: at a fixed pace, or with the real gaps between step starts
 * (clamped, so a minute of waiting on a tool does not stall the replay). Reaching the end stops.
 */
export function usePlayback(
  model: ReplayModel | undefined,
  current: number,
  go: (i: number) => void,
  onTick?: (next: number) => void,
) {
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState<number>(1);
  const [pace, setPace] = useState<Pace>('fixed');
  const goRef = useRef(go);
  goRef.current = go;
  const tickRef = useRef(onTick);
  tickRef.current = onTick;

  useEffect(() => {
    if (!playing || !model) return;
    const n = model.steps.length;
    if (current >= n - 1) {
      setPlaying(false);
      return;
    }
    const gap = pace === 'real' ? Math.min(2000, Math.max(30, model.offset[current + 1]! - model.offset[current]!)) : FIXED_MS;
    tickRef.current?.(current + 1);
    const id = setTimeout(() => goRef.current(current + 1), gap / speed);
    return () => clearTimeout(id);
  }, [playing, current, speed, pace, model]);

  const toggle = () => {
    if (!playing && model && current >= model.steps.length - 1) goRef.current(0); // replay from the start
    setPlaying((p) => !p);
  };
  return { playing, setPlaying, toggle, speed, setSpeed, pace, setPace };
}
