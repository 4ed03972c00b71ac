import { memo, useState } from 'react';
import type { DiffNode } from '../../lib/json-diff';

function leaf(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 400 ? v.slice(0, 400) + '…' : v);
  return JSON.stringify(v) ?? String(v);
}

function summary(n: DiffNode): string {
  const len = n.children?.length ?? 0;
  return n.container === 'array' ? `[${len}]` : `{${len}}`;
}

/** One node of the snapshot: branches with a change open by default, unchanged ones fold. */
const Node = memo(function Node({ node, depth }: { node: DiffNode; depth: number }) {
  const [open, setOpen] = useState(depth < 1 || node.dirty);
  const cls = `st-row st-${node.status}`;
  const sign = node.status === 'added' ? '+' : node.status === 'removed' ? '−' : node.status === 'changed' ? '~' : ' ';
  if (!node.container) {
    return (
      <div className={cls} style={{ paddingLeft: depth * 14 }} data-status={node.status} data-key={node.key}>
        <span className="st-sign">{sign}</span>
        <span className="st-key">{node.key}</span>: <span className="st-val">{leaf(node.value)}</span>
        {node.status === 'changed' ? <span className="st-before"> was {leaf(node.before)}</span> : null}
      </div>
    );
  }
  return (
    <>
      <div className={cls} style={{ paddingLeft: depth * 14 }} data-status={node.status} data-key={node.key}>
        <button type="button" className="twisty" onClick={() => setOpen(!open)} aria-expanded={open}>
          {open ? '▾' : '▸'}
        </button>
        <span className="st-sign">{sign}</span>
        <span className="st-key">{node.key}</span> <span className="muted">{summary(node)}</span>
        {node.status === 'changed' && node.before !== undefined ? (
          <span className="st-before"> was {leaf(node.before)}</span>
        ) : null}
      </div>
      {open ? node.children?.map((c) => <Node key={c.key} node={c} depth={depth + 1} />) : null}
    </>
  );
});

export function StateTree({ root }: { root: DiffNode }) {
  return (
    <div className="state-tree mono" data-testid="state-tree">
      {root.children ? root.children.map((c) => <Node key={c.key} node={c} depth={0} />) : <Node node={root} depth={0} />}
    </div>
  );
}
