import { useEffect, useRef, type FormEvent, type ReactNode } from 'react';

interface Props {
  /** The heading at the top of the panel. */
  title: ReactNode;
  /** The accessible name of the panel (a heading may carry a record's name; this says what it is). */
  label: string;
  onClose: () => void;
  onSubmit: (e: FormEvent<HTMLFormElement>) => void;
  children: ReactNode;
}

const FOCUSABLE = 'a[href], button:not(:disabled), input:not(:disabled), select:not(:disabled), textarea:not(:disabled)';
/** The panel's controls in document order (walked, not trusted to a selector list's order). */
const focusable = (el: HTMLElement) => [...el.querySelectorAll<HTMLElement>('*')].filter((c) => c.matches(FOCUSABLE));

/**
 * A side panel over the page (`.drawer` on a dimmed backdrop): the form that edits one record. Esc or a
 * click on the backdrop closes it; focus moves into it when it opens (unless a field of it took
 * focus itself, e.g. with `autoFocus`), stays in it on Tab, and goes back to what had it (the
 * button or row that opened it) when it closes, so a keyboard user does not land at the page top.
 */
export function Drawer({ title, label, onClose, onSubmit, children }: Props) {
  const panel = useRef<HTMLFormElement>(null);
  const close = useRef(onClose);
  close.current = onClose;
  // Read while rendering the first time: by the time effects run, `autoFocus` has moved focus.
  const opener = useRef(document.activeElement);

  useEffect(() => {
    const back = opener.current instanceof HTMLElement ? opener.current : null;
    const el = panel.current;
    if (el && !el.contains(document.activeElement)) focusable(el)[0]?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') close.current();
      else if (e.key === 'Tab' && el) trapTab(el, e);
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      if (back?.isConnected) back.focus();
    };
  }, []);

  return (
    <>
      <div className="drawer-back" onClick={onClose} />
      <form ref={panel} className="drawer" onSubmit={onSubmit} aria-label={label} role="dialog" aria-modal="true">
        <h2>{title}</h2>
        {children}
      </form>
    </>
  );
}

/** Tab from the last control goes to the first, Shift+Tab from the first to the last. */
function trapTab(el: HTMLElement, e: KeyboardEvent) {
  const all = focusable(el);
  const first = all[0];
  const last = all[all.length - 1];
  if (!first || !last) return;
  const at = document.activeElement;
  if (e.shiftKey ? at === first || !el.contains(at) : at === last || !el.contains(at)) {
    e.preventDefault();
    (e.shiftKey ? last : first).focus();
  }
}
