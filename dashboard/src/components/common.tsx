import { useState, type ReactNode } from 'react';
import { ApiError } from '../api/client';
import { absoluteTime, relativeTime } from '../lib/format';
import { agentColor } from '../lib/colors';

/** A monospace id with a copy button; long ids are middle-truncated but copied whole. */
export function Id({ value, short = 14 }: { value: string; short?: number }) {
  const shown = value.length > short ? `${value.slice(0, short - 5)}…${value.slice(-4)}` : value;
  return (
    <span className="id" title={value}>
      <span className="mono">{shown}</span>
      <CopyButton text={value} />
    </span>
  );
}

/**
 * A session as people name it: its title (`cairn.session.title` or the root span's name) as the
 * main text with the id under it, small and monospace; the id alone when there is no title.
 */
export function SessionName({ id, title, short = 22 }: { id: string; title: string | null; short?: number }) {
  if (!title) return <Id value={id} short={short} />;
  return (
    <span className="session-name" data-testid="session-name">
      <span className="session-title" title={title}>
        {title}
      </span>
      <span className="session-sub muted">
        <Id value={id} short={short} />
      </span>
    </span>
  );
}

export function CopyButton({ text, label }: { text: string; label?: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      className="copy"
      aria-label={`copy ${label ?? text}`}
      title="Copy"
      onClick={(e) => {
        e.stopPropagation();
        void navigator.clipboard?.writeText(text).then(() => {
          setDone(true);
          setTimeout(() => setDone(false), 1200);
        });
      }}
    >
      {done
        ? '✓'
        : (label ?? (
            <svg viewBox="0 0 16 16" width="11" height="11" aria-hidden="true">
              <path
                d="M5 1h8a2 2 0 0 1 2 2v8h-2V3H5zM1 5a2 2 0 0 1 2-2h7a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H3a2 2 0 0 1-2-2zm2 0v8h7V5z"
                fill="currentColor"
              />
            </svg>
          ))}
    </button>
  );
}

/** A card with a label over a value to copy (an endpoint, a key); `copy` null: no button (a key known by its prefix only). */
export function CopyCard({
  label,
  value,
  testId,
  copy = value,
  children,
}: {
  label: string;
  value: string;
  testId: string;
  copy?: string | null;
  children?: ReactNode;
}) {
  return (
    <div className="card">
      <label>{label}</label>
      <div className="row gap">
        <code data-testid={testId}>{value}</code>
        {copy ? <CopyButton text={copy} label="copy" /> : null}
      </div>
      {children}
    </div>
  );
}

export function Time({ iso }: { iso: string }) {
  // The full local date is a tooltip, formatted when the pointer comes: a page's first
  // `toLocaleString` loads the locale's data (tens of ms, a few hundred on a busy machine), which
  // the first paint of a page with a time in it — a replay's header — should not wait for.
  return (
    <time
      dateTime={iso}
      onPointerEnter={(e) => {
        e.currentTarget.title = absoluteTime(iso);
      }}
    >
      {relativeTime(iso)}
    </time>
  );
}

export function Agent({ name }: { name: string }) {
  return (
    <span className="agent">
      <i className="swatch" style={{ background: agentColor(name) }} />
      {name || <span className="muted">—</span>}
    </span>
  );
}

export function Badge({
  tone,
  children,
  title,
  data,
}: {
  tone: 'red' | 'amber' | 'purple' | 'grey' | 'green' | 'blue';
  children: ReactNode;
  title?: string;
  /** `data-*` attributes (what the badge is about, for tests and styling). */
  data?: Record<string, string>;
}) {
  const attrs = Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [`data-${k}`, v]));
  return (
    <span className={`badge badge-${tone}`} title={title} {...attrs}>
      {children}
    </span>
  );
}

export function Skeleton({ rows = 8, height = 22 }: { rows?: number; height?: number }) {
  return (
    <div className="skeleton" aria-busy="true" aria-label="loading">
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="skeleton-row" style={{ height, opacity: 1 - i / (rows + 2) }} />
      ))}
    </div>
  );
}

/** What failed and how to retry; 404 on a route reads as "not available on this server". */
export function ErrorBox({ error, retry, what }: { error: Error; retry?: () => void; what: string }) {
  const e = error instanceof ApiError ? error : undefined;
  return (
    <div className="error-box" role="alert">
      <strong>Could not load {what}.</strong> {error.message}
      {e && e.code ? <span className="mono muted"> ({e.code})</span> : null}
      {retry ? (
        <button type="button" onClick={retry}>
          Retry
        </button>
      ) : null}
    </div>
  );
}

export function Unavailable({ what, detail }: { what: string; detail?: string }) {
  return (
    <div className="empty" data-testid="unavailable">
      <h3>{what} are not available on this server</h3>
      <p className="muted">{detail ?? 'This Cairn API does not expose this feature yet. Upgrade the server and reload.'}</p>
    </div>
  );
}

export function Kbd({ children }: { children: ReactNode }) {
  return <kbd>{children}</kbd>;
}
