import type { Step } from '../../api/types';

/**
 * Everything the replay views derive from the step list, computed once per load. Per-step data
 * the timeline and scrubber draw lives in typed arrays: a 10,000-step session costs a few
 * hundred kB here, and drawing walks arrays rather than objects.
 */
export interface ReplayModel {
  steps: Step[];
  bySpan: Map<string, number>;
  /** Tree: replay indices in depth-first order (children by replay order) and each one's depth. */
  treeOrder: Int32Array;
  treePos: Int32Array; // replay index → row in treeOrder
  depth: Int32Array;
  parent: Int32Array; // -1 for roots (and orphans whose parent never arrived)
  childCount: Int32Array;
  /** Timeline: one lane per agent, in order of first appearance. */
  agents: string[];
  lane: Int32Array;
  offset: Float64Array;
  duration: Float64Array;
  totalMs: number;
  errors: number[];
  escalations: number[];
  limits: number[];
  snapshots: number[];
  /** Steps worth jumping to with Shift+←/→: errors, escalations, cap hits. */
  incidents: number[];
}

export function buildModel(steps: Step[]): ReplayModel {
  const n = steps.length;
  const bySpan = new Map<string, number>();
  for (let i = 0; i < n; i++) bySpan.set(steps[i]!.span_id, i);
  const parent = new Int32Array(n).fill(-1);
  const childCount = new Int32Array(n);
  const children: number[][] = [];
  const roots: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = steps[i]!.parent_span_id;
    const pi = p === null ? undefined : bySpan.get(p);
    if (pi === undefined || pi === i) roots.push(i);
    else {
      parent[i] = pi;
      childCount[pi]!++;
      (children[pi] ??= []).push(i);
    }
  }
  // Iterative DFS: a deep chain of 10,000 nested spans must not overflow the stack.
  const treeOrder = new Int32Array(n);
  const treePos = new Int32Array(n);
  const depth = new Int32Array(n);
  let k = 0;
  const stack: number[] = [];
  for (let r = roots.length - 1; r >= 0; r--) stack.push(roots[r]!);
  const seen = new Uint8Array(n);
  while (stack.length) {
    const i = stack.pop()!;
    if (seen[i]) continue;
    seen[i] = 1;
    treePos[i] = k;
    treeOrder[k++] = i;
    const c = children[i];
    if (c)
      for (let j = c.length - 1; j >= 0; j--) {
        depth[c[j]!] = depth[i]! + 1;
        stack.push(c[j]!);
      }
  }
  // A parent cycle leaves steps unvisited: list them as roots rather than lose them.
  for (let i = 0; i < n; i++)
    if (!seen[i]) {
      treePos[i] = k;
      treeOrder[k++] = i;
    }

  const agents: string[] = [];
  const laneOfAgent = new Map<string, number>();
  const lane = new Int32Array(n);
  const offset = new Float64Array(n);
  const duration = new Float64Array(n);
  let totalMs = 0;
  const errors: number[] = [];
  const escalations: number[] = [];
  const limits: number[] = [];
  const snapshots: number[] = [];
  const incidents: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = steps[i]!;
    let l = laneOfAgent.get(s.agent_name);
    if (l === undefined) {
      l = agents.length;
      agents.push(s.agent_name);
      laneOfAgent.set(s.agent_name, l);
    }
    lane[i] = l;
    offset[i] = s.offset_ms;
    duration[i] = s.duration_ms;
    totalMs = Math.max(totalMs, s.offset_ms + s.duration_ms);
    const err = s.status === 'error';
    if (err) errors.push(i);
    if (s.has_escalation) escalations.push(i);
    if (s.has_limit_hit) limits.push(i);
    if (s.has_state) snapshots.push(i);
    if (err || s.has_escalation || s.has_limit_hit) incidents.push(i);
  }
  return {
    steps,
    bySpan,
    treeOrder,
    treePos,
    depth,
    parent,
    childCount,
    agents,
    lane,
    offset,
    duration,
    totalMs,
    errors,
    escalations,
    limits,
    snapshots,
    incidents,
  };
}

/** Rows of the tree with collapsed subtrees hidden. */
export function visibleRows(m: ReplayModel, collapsed: ReadonlySet<number>): Int32Array {
  if (collapsed.size === 0) return m.treeOrder;
  const out = new Int32Array(m.treeOrder.length);
  let k = 0;
  let skipBelow = -1; // depth at which a collapsed subtree started
  for (const i of m.treeOrder) {
    const d = m.depth[i]!;
    if (skipBelow >= 0) {
      if (d > skipBelow) continue;
      skipBelow = -1;
    }
    out[k++] = i;
    if (collapsed.has(i)) skipBelow = d;
  }
  return out.subarray(0, k);
}

/** The replay indices matching a text filter (name, kind, agent, model, tool), in replay order. */
export function filterSteps(m: ReplayModel, text: string): Int32Array {
  const t = text.trim().toLowerCase();
  const out: number[] = [];
  for (let i = 0; i < m.steps.length; i++) {
    const s = m.steps[i]!;
    if (`${s.name} ${s.kind} ${s.agent_name} ${s.model} ${s.tool_name} ${s.status}`.toLowerCase().includes(t)) out.push(i);
  }
  return Int32Array.from(out);
}

/** The next (dir 1) or previous (dir -1) entry of a sorted index list, relative to `from`. */
export function nextIn(list: readonly number[], from: number, dir: 1 | -1): number | undefined {
  if (dir > 0) return list.find((i) => i > from);
  for (let j = list.length - 1; j >= 0; j--) if (list[j]! < from) return list[j];
  return undefined;
}

/** Every `stride`-th index plus the ones that must stay visible (markers, the last point). */
export function downsample(n: number, max: number, keep: readonly number[] = []): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const stride = Math.ceil(n / max);
  const set = new Set<number>();
  for (let i = 0; i < n; i += stride) set.add(i);
  set.add(n - 1);
  for (const k of keep) if (k >= 0 && k < n) set.add(k);
  return [...set].sort((a, b) => a - b);
}
