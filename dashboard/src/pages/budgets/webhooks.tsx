import { useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import type { CreatedWebhookResponse, DeliveriesResponse, TestDeliveryResponse, Webhook } from '../../api/types';
import { Badge, CopyButton, ErrorBox, Skeleton, Time } from '../../components/common';
import { useApi } from '../../lib/use-api';

function DeliveryLog({ id }: { id: string }) {
  const log = useApi<DeliveriesResponse>(`deliveries-${id}`, (signal) =>
    api(`/api/webhooks/${encodeURIComponent(id)}/deliveries?limit=50`, { signal }),
  );
  if (log.error) return <ErrorBox error={log.error} retry={log.reload} what="the delivery log" />;
  if (!log.data) return <Skeleton rows={3} />;
  if (!log.data.attempts.length) return <p className="muted small">No deliveries yet.</p>;
  return (
    <table className="grid" data-testid="delivery-log">
      <thead>
        <tr>
          <th>time</th>
          <th>event</th>
          <th className="num">attempt</th>
          <th className="num">status</th>
          <th className="num">latency</th>
          <th>error</th>
        </tr>
      </thead>
      <tbody>
        {log.data.attempts.map((a) => (
          <tr key={`${a.delivery_id}-${a.attempt}`}>
            <td>
              <Time iso={a.attempted_at} />
            </td>
            <td className="mono">{a.event}</td>
            <td className="num">{a.attempt}</td>
            <td className="num">
              {a.status_code ?? '—'} {a.success ? <Badge tone="green">ok</Badge> : <Badge tone="red">failed</Badge>}
            </td>
            <td className="num">{Math.round(a.latency_ms)} ms</td>
            <td className="muted">{a.error}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function WebhookRow({ w, onChanged }: { w: Webhook; onChanged: () => void }) {
  const [open, setOpen] = useState(false);
  const [test, setTest] = useState<TestDeliveryResponse | string>();
  const [logKey, setLogKey] = useState(0);
  const sendTest = async () => {
    setTest(undefined);
    try {
      setTest(await api<TestDeliveryResponse>(`/api/webhooks/${encodeURIComponent(w.id)}/test`, { method: 'POST', json: {} }));
      setLogKey((k) => k + 1);
    } catch (e) {
      setTest((e as Error).message);
    }
  };
  const toggle = async () => {
    await api(`/api/webhooks/${encodeURIComponent(w.id)}`, { method: 'PATCH', json: { enabled: !w.enabled } });
    onChanged();
  };
  const remove = async () => {
    if (!confirm(`Delete webhook ${w.name || w.url}?`)) return;
    await api(`/api/webhooks/${encodeURIComponent(w.id)}`, { method: 'DELETE' });
    onChanged();
  };
  return (
    <>
      <tr data-webhook={w.id}>
        <td>
          <b>{w.name || '—'}</b>
        </td>
        <td className="mono">{w.url}</td>
        <td>{w.format}</td>
        <td>{w.enabled ? <Badge tone="green">enabled</Badge> : <Badge tone="grey">disabled</Badge>}</td>
        <td className="mono muted">{w.secret_prefix}…</td>
        <td className="row gap">
          <button type="button" onClick={() => void sendTest()}>
            Send test event
          </button>
          <button type="button" onClick={() => setOpen(!open)} aria-expanded={open}>
            Deliveries
          </button>
          <button type="button" className="ghost" onClick={() => void toggle()}>
            {w.enabled ? 'Disable' : 'Enable'}
          </button>
          <button type="button" className="ghost danger" onClick={() => void remove()}>
            Delete
          </button>
        </td>
      </tr>
      {test !== undefined ? (
        <tr>
          <td colSpan={6} data-testid="test-result">
            {typeof test === 'string' ? (
              <span className="state-exceeded">{test}</span>
            ) : test.success ? (
              <span className="state-ok">
                Test event delivered: HTTP {test.status_code} in {Math.round(test.latency_ms)} ms
              </span>
            ) : (
              <span className="state-exceeded">
                Test event failed: {test.status_code ?? 'no response'} {test.error}
              </span>
            )}
          </td>
        </tr>
      ) : null}
      {open ? (
        <tr>
          <td colSpan={6}>
            <DeliveryLog key={logKey} id={w.id} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

export function Webhooks({ webhooks, onChanged }: { webhooks: Webhook[]; onChanged: () => void }) {
  const [adding, setAdding] = useState(false);
  const [url, setUrl] = useState('');
  const [name, setName] = useState('');
  const [format, setFormat] = useState<'json' | 'slack'>('json');
  const [created, setCreated] = useState<CreatedWebhookResponse>();
  const [error, setError] = useState<string>();

  const add = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      setCreated(
        await api<CreatedWebhookResponse>('/api/webhooks', {
          method: 'POST',
          json: { url: url.trim(), name: name.trim(), format },
        }),
      );
      setAdding(false);
      setUrl('');
      setName('');
      onChanged();
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <div className="card section" data-testid="webhooks">
      <div className="row gap">
        <h2 className="grow">Webhooks</h2>
        <button type="button" onClick={() => setAdding(!adding)}>
          {adding ? 'Cancel' : 'New webhook'}
        </button>
      </div>
      {adding ? (
        <form className="row gap wrap" onSubmit={(e) => void add(e)} aria-label="new webhook">
          <input id="w-name" placeholder="name" value={name} onChange={(e) => setName(e.target.value)} />
          <input
            id="w-url"
            className="grow"
            placeholder="https://example.com/cairn-hook"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            required
          />
          <select id="w-format" value={format} onChange={(e) => setFormat(e.target.value as 'json' | 'slack')}>
            <option value="json">JSON</option>
            <option value="slack">Slack</option>
          </select>
          <button type="submit" className="primary">
            Add webhook
          </button>
        </form>
      ) : null}
      {error ? (
        <div className="error-box" role="alert">
          {error}
        </div>
      ) : null}
      {created ? (
        <div className="snippet" data-testid="webhook-secret">
          Signing secret for <b>{created.webhook.name || created.webhook.url}</b> (shown once; verify{' '}
          <code>X-Cairn-Signature</code> with it):
          <pre className="mono">{created.secret}</pre>
          <CopyButton text={created.secret} label="copy" />
        </div>
      ) : null}
      {webhooks.length ? (
        <table className="grid">
          <thead>
            <tr>
              <th>name</th>
              <th>url</th>
              <th>format</th>
              <th>state</th>
              <th>secret</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {webhooks.map((w) => (
              <WebhookRow key={w.id} w={w} onChanged={onChanged} />
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">No webhooks. Add one to receive signed budget and anomaly alerts (JSON or Slack).</p>
      )}
    </div>
  );
}
