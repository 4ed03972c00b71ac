const hex = (n: number, width: number): string => (n + 1).toString(16).padStart(width, '0');

/**
 * One OTLP/JSON request of `spans` chat spans, numbered by request `r` so each request has its
 * own trace and session (`<prefix>-<r>`) and every span id is unique across requests: the
 * process tests count what was acknowledged against what was stored.
 */
export function chatSpansRequest(prefix: string, r: number, spans: number): string {
  const now = BigInt(Date.now()) * 1_000_000n;
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: `${prefix}-test` } }] },
        scopeSpans: [
          {
            scope: { name: 't' },
            spans: Array.from({ length: spans }, (_, i) => ({
              traceId: hex(r, 32),
              spanId: hex(r * 1000 + i, 16),
              name: 'chat gpt-4o-mini',
              kind: 3,
              startTimeUnixNano: String(now - 1_000_000n),
              endTimeUnixNano: String(now),
              attributes: [
                { key: 'gen_ai.conversation.id', value: { stringValue: `${prefix}-${r}` } },
                { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
                { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o-mini' } },
                { key: 'gen_ai.usage.input_tokens', value: { intValue: '100' } },
                { key: 'gen_ai.usage.output_tokens', value: { intValue: '10' } },
              ],
            })),
          },
        ],
      },
    ],
  });
}
