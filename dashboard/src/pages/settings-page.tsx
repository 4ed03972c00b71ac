import { useState } from 'react';
import { api } from '../api/client';
import type { ApiKeyList, CreatedKeyResponse } from '../api/types';

type ApiKey = ApiKeyList['keys'][number];
import { Badge, CopyButton, CopyCard, Time } from '../components/common';
import { DataTable, type Column } from '../components/data-table';
import { useAuth } from '../lib/auth';
import { useOtlpEndpoint } from '../lib/otlp-endpoint';
import { useApi } from '../lib/use-api';
import { PricesSection } from './settings-prices';

export default function SettingsPage() {
  const { me } = useAuth();
  const endpoint = useOtlpEndpoint();
  const keys = useApi<ApiKeyList>('keys', (signal) => api('/api/keys', { signal }));
  const [created, setCreated] = useState<CreatedKeyResponse>();
  const [error, setError] = useState<string>();

  const create = async (kind: 'ingest' | 'admin') => {
    const name = prompt(`Name of the new ${kind} key`, kind === 'ingest' ? 'my-agent' : 'teammate');
    if (name === null) return;
    try {
      setCreated(await api<CreatedKeyResponse>('/api/keys', { method: 'POST', json: { kind, name } }));
      keys.reload();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const revoke = async (id: string) => {
    if (!confirm('Revoke this key? Agents and sign-ins using it stop working within seconds.')) return;
    try {
      await api(`/api/keys/${encodeURIComponent(id)}`, { method: 'DELETE' });
      keys.reload();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const columns: Column<ApiKey>[] = [
    { head: 'kind', cell: (k) => <Badge tone={k.kind === 'admin' ? 'purple' : 'blue'}>{k.kind}</Badge> },
    { head: 'prefix', className: 'mono', cell: (k) => `${k.prefix}…` },
    {
      head: 'name',
      cell: (k) => (
        <>
          {k.name || <span className="muted">—</span>}
          {k.key_id === me?.key_id ? <span className="muted"> (this sign-in)</span> : null}
        </>
      ),
    },
    { head: 'created', cell: (k) => <Time iso={k.created_at} /> },
    { head: 'state', cell: (k) => (k.revoked ? <Badge tone="grey">revoked</Badge> : <Badge tone="green">active</Badge>) },
    {
      cell: (k) =>
        !k.revoked && k.key_id !== me?.key_id ? (
          <button type="button" className="ghost danger" onClick={() => void revoke(k.key_id)}>
            Revoke
          </button>
        ) : null,
    },
  ];

  return (
    <div>
      <div className="page-head">
        <h1>Settings</h1>
      </div>
      <div className="cards">
        <div className="card">
          <label>Project</label>
          <div>
            <b>{me?.project_name}</b> <span className="mono muted">{me?.project_id}</span>
          </div>
        </div>
        <CopyCard label="OTLP endpoint" value={endpoint} testId="settings-otlp-endpoint" />
        <div className="card">
          <label>API reference</label>
          <div>
            <a href="/docs" target="_blank" rel="noreferrer">
              /docs
            </a>{' '}
            · <a href="/openapi.json">openapi.json</a>
          </div>
        </div>
      </div>
      <div className="card section">
        <div className="row gap">
          <h2 className="grow">Keys</h2>
          <button type="button" onClick={() => void create('ingest')}>
            New ingest key
          </button>
          <button type="button" onClick={() => void create('admin')}>
            New admin key
          </button>
        </div>
        {created ? (
          <div className="snippet" data-testid="created-key">
            New {created.record.kind} key (shown once, stored hashed): <pre className="mono">{created.key}</pre>
            <CopyButton text={created.key} label="copy" />
          </div>
        ) : null}
        {error ? <div className="error-box">{error}</div> : null}
        <DataTable
          columns={columns}
          rows={keys.data?.keys}
          rowKey={(k) => k.key_id}
          error={keys.error}
          retry={keys.reload}
          what="keys"
          loadingRows={3}
        />
      </div>
      <PricesSection />
    </div>
  );
}
