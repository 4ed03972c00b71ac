import { useEffect, useRef } from 'react';
import { MARK } from '../../lib/colors';
import type { ReplayModel } from './replay-model';
import { SPEEDS, type Pace } from './use-playback';

interface Props {
  model: ReplayModel;
  current: number;
  go: (i: number) => void;
  playing: boolean;
  toggle: () => void;
  speed: number;
  setSpeed: (s: number) => void;
  pace: Pace;
  setPace: (p: Pace) => void;
  onHelp: () => void;
}

/** Marker ticks over the scrubber: errors red, escalations amber, cap hits purple, snapshots grey. */
function Ticks({ model }: { model: ReplayModel }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    if (!c) return;
    const w = c.clientWidth;
    const dpr = window.devicePixelRatio || 1;
    c.width = w * dpr;
    c.height = 10 * dpr;
    const g = c.getContext('2d')!;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    const n = Math.max(1, model.steps.length - 1);
    const draw = (list: number[], color: string, y: number, h: number) => {
      g.fillStyle = color;
      for (const i of list) g.fillRect(Math.round((i / n) * (w - 1)), y, 1.5, h);
    };
    draw(model.snapshots, MARK.state, 6, 4);
    draw(model.limits, MARK.limit, 0, 10);
    draw(model.escalations, MARK.escalation, 0, 10);
    draw(model.errors, MARK.error, 0, 10);
  }, [model]);
  return <canvas ref={ref} className="ticks" aria-hidden="true" />;
}

export function Transport({ model, current, go, playing, toggle, speed, setSpeed, pace, setPace, onHelp }: Props) {
  const n = model.steps.length;
  return (
    <div className="transport" data-testid="transport">
      <div className="row gap">
        <button type="button" onClick={() => go(0)} title="First step (Home)" aria-label="first step">
          <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">
            <path d="M2 2h2v12H2zM14 2v12L5 8z" fill="currentColor" />
          </svg>
        </button>
        <button type="button" onClick={() => go(current - 1)} title="Previous step (←)" aria-label="previous step">
          <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">
            <path d="M12 2v12L4 8z" fill="currentColor" />
          </svg>
        </button>
        <button
          type="button"
          className="play"
          onClick={toggle}
          title="Play / pause (space)"
          aria-label={playing ? 'pause' : 'play'}
          data-playing={playing}
        >
          {playing ? (
            <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">
              <path d="M3 2h4v12H3zM9 2h4v12H9z" fill="currentColor" />
            </svg>
          ) : (
            <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">
              <path d="M3 1v14l12-7z" fill="currentColor" />
            </svg>
          )}
        </button>
        <button type="button" onClick={() => go(current + 1)} title="Next step (→)" aria-label="next step">
          <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">
            <path d="M4 2v12l8-6z" fill="currentColor" />
          </svg>
        </button>
        <button type="button" onClick={() => go(n - 1)} title="Last step (End)" aria-label="last step">
          <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">
            <path d="M12 2h2v12h-2zM2 2v12l9-6z" fill="currentColor" />
          </svg>
        </button>
        <div className="seg" role="group" aria-label="speed">
          {SPEEDS.map((s) => (
            <button key={s} type="button" className={speed === s ? 'on' : undefined} onClick={() => setSpeed(s)}>
              {s}×
            </button>
          ))}
        </div>
        <div className="seg" role="group" aria-label="pace">
          <button
            type="button"
            className={pace === 'real' ? 'on' : undefined}
            onClick={() => setPace('real')}
            title="Wait the real gaps between steps"
          >
            real-time gaps
          </button>
          <button type="button" className={pace === 'fixed' ? 'on' : undefined} onClick={() => setPace('fixed')}>
            fixed pace
          </button>
        </div>
        <div className="scrub grow">
          <Ticks model={model} />
          <input
            type="range"
            min={0}
            max={Math.max(0, n - 1)}
            value={current}
            onChange={(e) => go(Number(e.target.value))}
            aria-label="scrubber"
          />
        </div>
        <span className="step-count" data-testid="step-counter">
          step <b>{current + 1}</b> / {n}
        </span>
        <button type="button" className="ghost" onClick={onHelp} title="Keyboard shortcuts (?)">
          ?
        </button>
      </div>
    </div>
  );
}

export function ShortcutHelp({ onClose }: { onClose: () => void }) {
  const rows: [string, string][] = [
    ['space', 'play / pause'],
    ['← / →', 'previous / next step'],
    ['Shift + ← / →', 'previous / next error, escalation or cap hit'],
    ['Home / End', 'first / last step'],
    ['/', 'filter steps'],
    ['1 … 5', 'panel tabs'],
    ['?', 'this help'],
  ];
  return (
    <div className="drawer-back" onClick={onClose}>
      <div className="card help" role="dialog" aria-label="keyboard shortcuts" onClick={(e) => e.stopPropagation()}>
        <h2>Keyboard</h2>
        <table className="grid">
          <tbody>
            {rows.map(([k, d]) => (
              <tr key={k}>
                <td>
                  <kbd>{k}</kbd>
                </td>
                <td>{d}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
