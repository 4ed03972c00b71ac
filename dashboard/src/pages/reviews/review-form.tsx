import { useState } from 'react';
import { api } from '../../api/client';
import type { DecideBody, ReviewDecision, ReviewItem } from '../../api/types';
import { Select } from '../../components/field';
import { Segmented } from '../../components/segmented';

const REVIEW_DECISION_LIST: readonly ReviewDecision[] = ['approve', 'reject', 'edit'];
const CORRECTNESS = [
  { value: 'true', label: 'correct' },
  { value: 'false', label: 'incorrect' },
] as const;

/** Approve / reject / edit with a comment and a correctness label (which feeds calibration). */
export function DecisionForm({ item, reviewer, onDecided }: { item: ReviewItem; reviewer: string; onDecided: () => void }) {
  const [decision, setDecision] = useState<ReviewDecision>('approve');
  const [comment, setComment] = useState('');
  const [correct, setCorrect] = useState<'' | 'true' | 'false'>('');
  const [edited, setEdited] = useState(() => JSON.stringify(item.proposed_action ?? null, null, 2));
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setError(undefined);
    const body: DecideBody = { decision, reviewer, ...(comment ? { comment } : {}) };
    if (correct) body.correct = correct === 'true';
    if (decision === 'edit') {
      try {
        body.edited_action = JSON.parse(edited) as unknown;
      } catch {
        setError('The edited action must be JSON.');
        return;
      }
    }
    setBusy(true);
    try {
      await api(`/api/reviews/items/${encodeURIComponent(item.id)}/decide`, { method: 'POST', json: body });
      onDecided();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="decision-form" onSubmit={(e) => void submit(e)} data-testid="decision-form">
      <Segmented kind="radio" label="decision" options={REVIEW_DECISION_LIST} value={decision} onChange={setDecision} />
      {decision === 'edit' ? (
        <label className="field">
          Action to take instead (JSON)
          <textarea
            className="mono"
            rows={5}
            value={edited}
            onChange={(e) => setEdited(e.target.value)}
            aria-label="edited action"
          />
        </label>
      ) : null}
      <label className="field">
        Was the agent’s proposal correct?
        <Select label="correctness" value={correct} onChange={setCorrect} any="not labeled" options={CORRECTNESS} />
      </label>
      <label className="field">
        Comment
        <textarea rows={3} value={comment} onChange={(e) => setComment(e.target.value)} aria-label="comment" />
      </label>
      {error ? <div className="error-box">{error}</div> : null}
      <button type="submit" className="primary" disabled={busy || !reviewer}>
        Decide: {decision}
      </button>
    </form>
  );
}
