import { useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import type { CreatedWebhookResponse, DeliveriesResponse, TestDeliveryResponse, Webhook } from '../../api/types';
import { Badge, CopyButton, Time } from '../../components/common';
import { DataTable, DetailRow, type Column } from '../../components/data-table';
import { Select } from '../../components/field';
import { useApi } from '../../lib/use-api';

type DeliveryAttempt = DeliveriesResponse['attempts'][number];

const DELIVERY_COLUMNS: Column<DeliveryAttempt>[] = [
  { head: 'time', cell: (a) => <Time iso={a.attempted_at} /> },
  { head: 'event', className: 'mono', cell: (a) => a.event },
  { head: 'attempt', num: true, cell: (a) => a.attempt },
  {
    head: 'status',
    num: true,
    cell: (a) => (
      <>
        {a.status_code ?? '—'} {a.success ? <Badge tone="green">ok</Badge> : <Badge tone="red">failed</Badge>}
      </>
    ),
  },
  { head: 'latency', num: true, cell: (a) => `${Math.round(a.latency_ms)} ms` },
  { head: 'error', className: 'muted', cell: (a) => a.error },
];

function DeliveryLog({ id }: { id: string }) {
  const log = useApi<DeliveriesResponse>(`deliveries-${id}`, (signal) =>
    api(`/api/webhooks/${encodeURIComponent(id)}/deliveries?limit=50`, { signal }),
  );
  return (
    <DataTable
      testId="delivery-log"
      columns={DELIVERY_COLUMNS}
      rows={log.data?.attempts}
      rowKey={(a) => `${a.delivery_id}-${a.attempt}`}
      error={log.error}
      retry={log.reload}
      what="the delivery log"
      loadingRows={3}
      empty={<p className="muted small">No deliveries yet.</p>}
    />
  );
}

function TestResult({ test }: { test: TestDeliveryResponse | string }) {
  if (typeof test === 'string') return <span className="state-exceeded">{test}</span>;
  return test.success ? (
    <span className="state-ok">
      Test event delivered: HTTP {test.status_code} in {Math.round(test.latency_ms)} ms
    </span>
  ) : (
    <span className="state-exceeded">
      Test event failed: {test.status_code ?? 'no response'} {test.error}
    </span>
  );
}

/** A webhook's row actions and what they leave under the row: the test result, the delivery log. */
function useWebhookActions(onChanged: () => void) {
  const [tests, setTests] = useState<Record<string, TestDeliveryResponse | string>>({});
  // id → how many tests were sent since it opened: the log remounts (reloads) after each one.
  const [logs, setLogs] = useState<Record<string, number>>({});
  const setTest = (id: string, t?: TestDeliveryResponse | string) =>
    setTests(({ [id]: _, ...rest }) => (t === undefined ? rest : { ...rest, [id]: t }));
  const sendTest = async (w: Webhook) => {
    setTest(w.id);
    try {
      setTest(
        w.id,
        await api<TestDeliveryResponse>(`/api/webhooks/${encodeURIComponent(w.id)}/test`, { method: 'POST', json: {} }),
      );
      setLogs((l) => (w.id in l ? { ...l, [w.id]: (l[w.id] ?? 0) + 1 } : l));
    } catch (e) {
      setTest(w.id, (e as Error).message);
    }
  };
  const toggleLog = (w: Webhook) => setLogs(({ [w.id]: open, ...rest }) => (open === undefined ? { ...rest, [w.id]: 0 } : rest));
  const toggle = async (w: Webhook) => {
    await api(`/api/webhooks/${encodeURIComponent(w.id)}`, { method: 'PATCH', json: { enabled: !w.enabled } });
    onChanged();
  };
  const remove = async (w: Webhook) => {
    if (!confirm(`Delete webhook ${w.name || w.url}?`)) return;
    await api(`/api/webhooks/${encodeURIComponent(w.id)}`, { method: 'DELETE' });
    onChanged();
  };
  const columns: Column<Webhook>[] = [
    { head: 'name', cell: (w) => <b>{w.name || '—'}</b> },
    { head: 'url', className: 'mono', cell: (w) => w.url },
    { head: 'format', cell: (w) => w.format },
    { head: 'state', cell: (w) => (w.enabled ? <Badge tone="green">enabled</Badge> : <Badge tone="grey">disabled</Badge>) },
    { head: 'secret', className: 'mono muted', cell: (w) => `${w.secret_prefix}…` },
    {
      className: 'row gap',
      cell: (w) => (
        <>
          <button type="button" onClick={() => void sendTest(w)}>
            Send test event
          </button>
          <button type="button" onClick={() => toggleLog(w)} aria-expanded={w.id in logs}>
            Deliveries
          </button>
          <button type="button" className="ghost" onClick={() => void toggle(w)}>
            {w.enabled ? 'Disable' : 'Enable'}
          </button>
          <button type="button" className="ghost danger" onClick={() => void remove(w)}>
            Delete
          </button>
        </>
      ),
    },
  ];
  const after = (w: Webhook) => {
    const test = tests[w.id];
    const log = logs[w.id];
    return (
      <>
        {test !== undefined ? (
          <DetailRow span={columns.length} testId="test-result">
            <TestResult test={test} />
          </DetailRow>
        ) : null}
        {log !== undefined ? (
          <DetailRow span={columns.length}>
            <DeliveryLog key={log} id={w.id} />
          </DetailRow>
        ) : null}
      </>
    );
  };
  return { columns, after };
}

const FORMATS = [
  { value: 'json', label: 'JSON' },
  { value: 'slack', label: 'Slack' },
] as const;

export function Webhooks({ webhooks, onChanged }: { webhooks: Webhook[]; onChanged: () => void }) {
  const [adding, setAdding] = useState(false);
  const [url, setUrl] = useState('');
  const [name, setName] = useState('');
  const [format, setFormat] = useState<'json' | 'slack'>('json');
  const [created, setCreated] = useState<CreatedWebhookResponse>();
  const [error, setError] = useState<string>();
  const rowActions = useWebhookActions(onChanged);

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
          <Select id="w-format" value={format} onChange={setFormat} options={FORMATS} />
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
      <DataTable
        columns={rowActions.columns}
        rows={webhooks}
        rowKey={(w) => w.id}
        rowProps={(w) => ({ 'data-webhook': w.id })}
        after={rowActions.after}
        empty={<p className="muted">No webhooks. Add one to receive signed budget and anomaly alerts (JSON or Slack).</p>}
      />
    </div>
  );
}
