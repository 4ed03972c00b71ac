import type { SessionSummary } from '../../api/types';
import { AnomalyBadges } from '../../components/anomaly-badges';
import { Agent, Badge, CopyButton, SessionName, Time } from '../../components/common';
import { confidence, count, duration, money } from '../../lib/format';
import { plural } from '../../lib/wording';

export function ReplayHeader({ s, complete }: { s: SessionSummary; complete: boolean }) {
  return (
    <header className="replay-head" data-testid="replay-header">
      <a href="/sessions" className="muted" onClick={(e) => (e.preventDefault(), history.back())} title="Back to sessions">
        ←
      </a>
      <i className={`dot dot-${s.status}`} title={s.status} />
      <SessionName id={s.session_id} title={s.title} short={28} />
      <Agent name={s.agent_name} />
      <span className="kv">
        <label>user</label>
        {s.user_id || '—'}
      </span>
      <span className="kv">
        <label>workflow</label>
        {s.workflow || '—'}
      </span>
      <span className="kv">
        <label>autonomy</label>
        {s.autonomy_level || '—'}
      </span>
      <span className="kv">
        <label>started</label>
        <Time iso={s.start_time} />
      </span>
      <span className="kv">
        <label>duration</label>
        {duration(s.duration_ms)}
      </span>
      <span className="kv">
        <label>cost</label>
        <b>{money(s.cost_usd)}</b>
      </span>
      <span className="kv" title={`in ${s.input_tokens} · out ${s.output_tokens}`}>
        <label>tokens</label>
        {count(s.total_tokens)}
      </span>
      <span className="kv">
        <label>min conf</label>
        {confidence(s.min_confidence)}
      </span>
      {s.errors ? <Badge tone="red">{plural(s.errors, 'error')}</Badge> : null}
      {s.escalations ? <Badge tone="amber">{plural(s.escalations, 'escalation')}</Badge> : null}
      {s.limit_hits ? <Badge tone="purple">{plural(s.limit_hits, 'cap hit')}</Badge> : null}
      <AnomalyBadges types={s.anomalies} />
      {!complete ? <span className="muted small">loading steps…</span> : null}
      <span className="grow" />
      <a
        className="button-link"
        href={`/api/sessions/${encodeURIComponent(s.session_id)}/export`}
        download={`${s.session_id}.json`}
      >
        export
      </a>
      <CopyButton text={window.location.href} label="copy link" />
    </header>
  );
}
