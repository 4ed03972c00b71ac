import type { ReviewItem } from '../../api/types';

/** Queue tabs and the `/api/reviews/items` filters each one means. */
export const REVIEW_TABS = ['open', 'due-soon', 'overdue', 'decided'] as const;
export type ReviewTab = (typeof REVIEW_TABS)[number];

export const TAB_LABELS: Record<ReviewTab, string> = {
  open: 'Open',
  'due-soon': 'Due soon',
  overdue: 'Overdue',
  decided: 'Decided',
};

export interface QueueFilters {
  tab: ReviewTab;
  queue: string;
  agent: string;
}

export function filtersFrom(params: URLSearchParams): QueueFilters {
  const t = params.get('tab') ?? 'open';
  return {
    tab: (REVIEW_TABS as readonly string[]).includes(t) ? (t as ReviewTab) : 'open',
    queue: params.get('queue') ?? '',
    agent: params.get('agent') ?? '',
  };
}

/** The query of `GET /api/reviews/items` for the filters (decided items come from the same list). */
export function itemsQuery(f: QueueFilters): Record<string, string | string[] | number | undefined> {
  const scope = { queue_id: f.queue || undefined, agent: f.agent || undefined, limit: 200 };
  switch (f.tab) {
    case 'open':
      return { ...scope, status: ['open', 'claimed'] };
    case 'due-soon':
      return { ...scope, due: 'soon' };
    case 'overdue':
      return { ...scope, due: 'overdue' };
    case 'decided':
      return { ...scope, status: ['decided', 'expired'] };
  }
}

/** Minutes until due (negative when overdue), or null without a due time. */
export function minutesLeft(item: Pick<ReviewItem, 'due_at'>, now = Date.now()): number | null {
  if (!item.due_at) return null;
  return (Date.parse(item.due_at) - now) / 60_000;
}

export function dueText(item: Pick<ReviewItem, 'due_at' | 'status'>, now = Date.now()): string {
  const m = minutesLeft(item, now);
  if (m === null) return 'no SLA';
  if (item.status === 'decided' || item.status === 'expired') return '—';
  const abs = Math.abs(m);
  const span = abs < 1 ? `${Math.round(abs * 60)} s` : abs < 120 ? `${Math.round(abs)} min` : `${Math.round(abs / 60)} h`;
  return m < 0 ? `overdue ${span}` : `in ${span}`;
}

/** The queue's j/k movement is every list's (components/row-keys). */
export { moveSelection } from '../../components/row-keys';

/** The replay URL with the decision point selected on its state diff and marked as under review. */
export function replayLink(item: Pick<ReviewItem, 'session_id' | 'span_id' | 'id'>): string {
  const q = new URLSearchParams({ step: item.span_id, tab: 'state', review: item.id, mark: item.span_id });
  return `/sessions/${encodeURIComponent(item.session_id)}?${q.toString()}`;
}

const REVIEWER_KEY = 'cairn.reviewer';
/** The reviewer name decisions and claims carry: remembered per browser (the API has no user accounts). */
export function savedReviewer(fallback: string): string {
  try {
    return localStorage.getItem(REVIEWER_KEY) || fallback;
  } catch {
    return fallback;
  }
}
export function saveReviewer(name: string): void {
  try {
    localStorage.setItem(REVIEWER_KEY, name);
  } catch {
    // private mode: the name lasts for this page only
  }
}
