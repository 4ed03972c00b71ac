import { useEffect, useRef, type Dispatch, type SetStateAction } from 'react';

/** A key pressed in a text field or a select is typing, not a page shortcut. */
export function typing(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
}

/** j/k movement in a list of `n` rows, clamped; -1 (nothing selected) moves to the first row. */
export function moveSelection(current: number, n: number, dir: 1 | -1): number {
  if (n === 0) return -1;
  if (current < 0) return 0;
  return Math.min(n - 1, Math.max(0, current + dir));
}

/**
 * Keyboard use of a list, so it works without a mouse: `j`/`k` (and ↑/↓ with `arrows`) move the
 * selected row, each key of `actions` (`Enter`, `c`, …) acts on the selected row. Keys typed in a
 * field or held with Ctrl / ⌘ / Alt are left alone (browser and system shortcuts).
 */
export function useRowKeys<R>(
  rows: readonly R[],
  selected: number,
  setSelected: Dispatch<SetStateAction<number>>,
  actions: Record<string, (row: R) => void>,
  { arrows = false } = {},
): void {
  // The listener is added once; it reads the current rows, selection and actions from here.
  const now = useRef({ rows, selected, actions });
  now.current = { rows, selected, actions };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (typing(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
      const { rows, selected, actions } = now.current;
      const dir =
        e.key === 'j' || (arrows && e.key === 'ArrowDown') ? 1 : e.key === 'k' || (arrows && e.key === 'ArrowUp') ? -1 : 0;
      const act = Object.hasOwn(actions, e.key) ? actions[e.key] : undefined;
      if (dir) setSelected((s) => moveSelection(s, rows.length, dir));
      else if (act && rows[selected] !== undefined) act(rows[selected]);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [setSelected, arrows]);
}
