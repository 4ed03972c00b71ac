import { useVirtualizer } from '@tanstack/react-virtual';
import { forwardRef, memo, useEffect, useMemo, useRef, useState } from 'react';
import { agentColor } from '../../lib/colors';
import { confidence, duration, money } from '../../lib/format';
import { filterSteps, visibleRows, type ReplayModel } from './replay-model';
import { usageUnreported } from '../../lib/wording';

const ROW = 20;

interface Props {
  model: ReplayModel;
  current: number;
  onSelect: (i: number) => void;
}

const Row = memo(function Row({
  model,
  i,
  current,
  collapsed,
  flat,
  onSelect,
  onToggle,
}: {
  model: ReplayModel;
  i: number;
  current: boolean;
  collapsed: boolean;
  flat: boolean;
  onSelect: (i: number) => void;
  onToggle: (i: number) => void;
}) {
  const s = model.steps[i]!;
  const kids = model.childCount[i]! > 0;
  const flags = s.status === 'error' ? 'error' : s.has_escalation ? 'escalation' : s.has_limit_hit ? 'limit' : '';
  return (
    <div
      className={`tree-row${current ? ' current' : ''}${flags ? ` flag-${flags}` : ''}`}
      style={{ paddingLeft: 4 + (flat ? 0 : model.depth[i]! * 12) }}
      onClick={() => onSelect(i)}
      data-index={i}
      aria-selected={current}
      role="treeitem"
    >
      {kids && !flat ? (
        <button
          type="button"
          className="twisty"
          onClick={(e) => (e.stopPropagation(), onToggle(i))}
          aria-label={collapsed ? 'expand' : 'collapse'}
        >
          {collapsed ? '▸' : '▾'}
        </button>
      ) : (
        <span className="twisty" />
      )}
      <i className="swatch" style={{ background: agentColor(s.agent_name) }} />
      <span className={`kind kind-${s.kind}`}>{s.kind}</span>
      <span className="tree-name">{s.name}</span>
      {flags === 'escalation' ? <span className="flag">! escalation</span> : null}
      {flags === 'limit' ? <span className="flag">cap</span> : null}
      {flags === 'error' ? <span className="flag">✕</span> : null}
      <span className="tree-conf">{s.confidence !== null ? `●${confidence(s.confidence)}` : ''}</span>
      <span className="tree-dur">{duration(s.duration_ms)}</span>
      <span className="tree-cost" title={usageUnreported(s) ? 'usage not reported: cost unknown' : undefined}>
        {s.cost_usd ? money(s.cost_usd) : usageUnreported(s) ? '?' : ''}
      </span>
    </div>
  );
});

/** The steps as a collapsible tree, virtualized: only the rows on screen exist in the DOM. */
export const StepTree = forwardRef<HTMLInputElement, Props>(function StepTree({ model, current, onSelect }, filterRef) {
  const [collapsed, setCollapsed] = useState<Set<number>>(() => new Set());
  const [filter, setFilter] = useState('');
  const rows = useMemo(
    () => (filter.trim() ? filterSteps(model, filter) : visibleRows(model, collapsed)),
    [model, collapsed, filter],
  );
  const scroller = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW,
    overscan: 12,
  });

  // Keep the current step in view as playback or the keyboard moves it.
  useEffect(() => {
    const pos = rows.indexOf(current);
    if (pos >= 0) v.scrollToIndex(pos, { align: 'auto' });
  }, [current, rows]); // eslint-disable-line react-hooks/exhaustive-deps

  const toggle = (i: number) =>
    setCollapsed((c) => {
      const n = new Set(c);
      if (n.has(i)) n.delete(i);
      else n.add(i);
      return n;
    });

  return (
    <div className="tree">
      <div className="tree-bar">
        <input
          ref={filterRef}
          className="grow"
          placeholder="filter steps (/)"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          onKeyDown={(e) => e.key === 'Escape' && (setFilter(''), (e.target as HTMLInputElement).blur())}
          aria-label="filter steps"
        />
        <span className="muted small">{filter ? `${rows.length} match` : `${model.steps.length} steps`}</span>
      </div>
      <div ref={scroller} className="tree-scroll" data-testid="step-tree" role="tree">
        <div style={{ height: v.getTotalSize(), position: 'relative' }}>
          {v.getVirtualItems().map((item) => {
            const i = rows[item.index]!;
            return (
              <div
                key={item.key}
                style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW, transform: `translateY(${item.start}px)` }}
              >
                <Row
                  model={model}
                  i={i}
                  current={i === current}
                  collapsed={collapsed.has(i)}
                  flat={!!filter.trim()}
                  onSelect={onSelect}
                  onToggle={toggle}
                />
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
});
