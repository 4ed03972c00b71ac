import { describe, expect, it } from 'vitest';
import { dueText, filtersFrom, itemsQuery, moveSelection, replayLink } from '../src/pages/reviews/review-query';

describe('review queue logic', () => {
  it('maps tabs and filters to the items query', () => {
    expect(itemsQuery(filtersFrom(new URLSearchParams('')))).toEqual({
      status: ['open', 'claimed'],
      limit: 200,
      queue_id: undefined,
      agent: undefined,
    });
    expect(itemsQuery(filtersFrom(new URLSearchParams('tab=due-soon&queue=q1&agent=bot')))).toMatchObject({
      due: 'soon',
      queue_id: 'q1',
      agent: 'bot',
    });
    expect(itemsQuery(filtersFrom(new URLSearchParams('tab=overdue')))).toMatchObject({ due: 'overdue' });
    expect(itemsQuery(filtersFrom(new URLSearchParams('tab=decided')))).toMatchObject({ status: ['decided', 'expired'] });
    expect(filtersFrom(new URLSearchParams('tab=bogus')).tab).toBe('open');
  });

  it('j/k moves clamp to the list; the first move selects the first row', () => {
    expect(moveSelection(-1, 3, 1)).toBe(0);
    expect(moveSelection(-1, 3, -1)).toBe(0);
    expect(moveSelection(0, 3, 1)).toBe(1);
    expect(moveSelection(2, 3, 1)).toBe(2);
    expect(moveSelection(0, 3, -1)).toBe(0);
    expect(moveSelection(1, 0, 1)).toBe(-1);
  });

  it('says when an item is due', () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    const at = (ms: number) => new Date(now + ms).toISOString();
    expect(dueText({ due_at: at(10 * 60_000), status: 'open' }, now)).toBe('in 10 min');
    expect(dueText({ due_at: at(-30_000), status: 'claimed' }, now)).toBe('overdue 30 s');
    expect(dueText({ due_at: at(-5 * 3_600_000), status: 'open' }, now)).toBe('overdue 5 h');
    expect(dueText({ due_at: null, status: 'open' }, now)).toBe('no SLA');
    expect(dueText({ due_at: at(-1000), status: 'decided' }, now)).toBe('—');
  });

  it('links the replay with the decision point selected and marked', () => {
    const url = replayLink({ session_id: 's/1', span_id: 'abc', id: 'it1' });
    expect(url.startsWith('/sessions/s%2F1?')).toBe(true);
    const q = new URLSearchParams(url.split('?')[1]);
    expect(Object.fromEntries(q)).toEqual({ step: 'abc', tab: 'state', review: 'it1', mark: 'abc' });
  });
});
