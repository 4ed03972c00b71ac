import { useState } from 'react';
import { api } from '../api/client';
import type { ApiKeyList, CreatedKeyResponse } from '../api/types';
import { Badge, CopyButton, ErrorBox, Skeleton, Time } from '../components/common';
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
        <div className="card">
          <label>OTLP endpoint</label>
          <div className="row gap">
            <code data-testid="settings-otlp-endpoint">{endpoint}</code>
            <CopyButton text={endpoint} label="copy" />
          </div>
        </div>
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
        {keys.error ? <ErrorBox error={keys.error} retry={keys.reload} what="keys" /> : null}
        {!keys.data && !keys.error ? <Skeleton rows={3} /> : null}
        {keys.data ? (
          <table className="grid">
            <thead>
              <tr>
                <th>kind</th>
                <th>prefix</th>
                <th>name</th>
                <th>created</th>
                <th>state</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {keys.data.keys.map((k) => (
                <tr key={k.key_id}>
                  <td>
                    <Badge tone={k.kind === 'admin' ? 'purple' : 'blue'}>{k.kind}</Badge>
                  </td>
                  <td className="mono">{k.prefix}…</td>
                  <td>
                    {k.name || <span className="muted">—</span>}
                    {k.key_id === me?.key_id ? <span className="muted"> (this sign-in)</span> : null}
                  </td>
                  <td>
                    <Time iso={k.created_at} />
                  </td>
                  <td>{k.revoked ? <Badge tone="grey">revoked</Badge> : <Badge tone="green">active</Badge>}</td>
                  <td>
                    {!k.revoked && k.key_id !== me?.key_id ? (
                      <button type="button" className="ghost danger" onClick={() => void revoke(k.key_id)}>
                        Revoke
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </div>
      <PricesSection />
    </div>
  );
}
