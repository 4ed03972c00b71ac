import { useState } from 'react';
import { api } from '../api/client';
import type { ApiKeyList, CreatedKeyResponse } from '../api/types';
import { useOtlpEndpoint } from '../lib/otlp-endpoint';
import { useApi } from '../lib/use-api';
import { CopyButton, CopyCard } from './common';

function Snippet({ text }: { text: string }) {
  return (
    <div className="snippet">
      <pre>{text}</pre>
      <CopyButton text={text} label="copy" />
    </div>
  );
}

/**
 * What a new project sees instead of an empty table: where to send spans, with which key, and
 * the one command that fills the dashboard with example sessions. Keys are stored hashed, so
 * the full ingest key is shown only when created here.
 */
export function Onboarding() {
  const keys = useApi<ApiKeyList>('keys', (signal) => api('/api/keys', { signal }));
  const [created, setCreated] = useState<string>();
  const [error, setError] = useState<string>();
  const ingest = keys.data?.keys.filter((k) => k.kind === 'ingest' && !k.revoked) ?? [];
  const key = created ?? (ingest[0] ? `${ingest[0].prefix}…` : 'cairn_ik_…');
  const endpoint = useOtlpEndpoint();

  const create = async () => {
    try {
      const r = await api<CreatedKeyResponse>('/api/keys', {
        method: 'POST',
        json: { kind: 'ingest', name: 'dashboard onboarding' },
      });
      setCreated(r.key);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <div className="empty left" data-testid="onboarding">
      <h2>No sessions yet — send your first traces</h2>
      <p className="muted">Cairn records every agent run as a session. Point any OpenTelemetry exporter at the collector:</p>
      <div className="cards">
        <CopyCard label="OTLP endpoint" value={endpoint} testId="otlp-endpoint" />
        <CopyCard label="Ingest key" value={key} testId="ingest-key" copy={created ?? null}>
          {created ? (
            <div className="small muted">Shown once: it is stored hashed.</div>
          ) : (
            <div className="small muted">
              {ingest.length ? 'The full key was printed by the first cairn start. ' : ''}
              <button type="button" className="ghost" onClick={() => void create()}>
                Create an ingest key
              </button>
            </div>
          )}
          {error ? <div className="error-box">{error}</div> : null}
        </CopyCard>
      </div>
      <h3>Fill the dashboard with example sessions</h3>
      <Snippet text={`npx cairn demo --key ${key}`} />
      <h3>Instrument a TypeScript agent</h3>
      <Snippet
        text={`import { init, session, wrapOpenAI, shutdown } from '@cairn/sdk';
init({ endpoint: '${endpoint}', apiKey: '${key}', serviceName: 'my-agent' });
const openai = wrapOpenAI(new OpenAI());   // every call: model, messages, tokens, cost
await session({ agent: 'support', user: 'u-42', caps: { maxCostUsd: 0.5 } }, () => run(openai));
await shutdown();                          // flush before the process exits`}
      />
      <h3>Any other OpenTelemetry app</h3>
      <Snippet
        text={`export OTEL_EXPORTER_OTLP_ENDPOINT=${endpoint}
export OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer ${key}"
export OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf`}
      />
    </div>
  );
}
