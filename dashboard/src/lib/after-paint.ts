/**
 * Work that should wait until what was just committed is on screen: `fn` runs in a task after the
 * next animation frame (the frame paints, then the task runs). A page whose first rows matter
 * (the replay) renders them alone, then the rest after this — so the rows' paint does not wait for
 * panels, charts and requests that could come a frame later.
 *
 * A hidden tab gets no animation frames: a timer (`fallbackMs`) runs `fn` anyway, so nothing waits
 * for the tab to be shown. Returns a cancel (for an effect's cleanup); `fn` runs at most once.
 */
export function afterPaint(fn: () => void, fallbackMs = 200): () => void {
  let done = false;
  let task: ReturnType<typeof setTimeout> | undefined;
  const run = () => {
    if (done) return;
    done = true;
    cancel();
    fn();
  };
  const raf = typeof requestAnimationFrame === 'function' ? requestAnimationFrame(() => (task = setTimeout(run, 0))) : undefined;
  const fallback = setTimeout(run, fallbackMs);
  function cancel() {
    if (raf !== undefined) cancelAnimationFrame(raf);
    if (task !== undefined) clearTimeout(task);
    clearTimeout(fallback);
  }
  return () => {
    done = true;
    cancel();
  };
}
