import { emptySpanRow, type SpanRow } from '@cairn/schemas';

export const BASE_NS = 1_760_000_000_000_000_000n;
export const MS = 1_000_000n;

/** A span row with neutral defaults (the blank row, a finished `step`); tests override what they assert on. */
export function makeSpanRow(over: Partial<SpanRow> & Pick<SpanRow, 'session_id' | 'span_id'>): SpanRow {
  return {
    ...emptySpanRow(),
    project_id: 'default',
    trace_id: 'f'.repeat(32),
    name: 'step',
    kind: 'step',
    service_name: 'test-svc',
    start_time_ns: BASE_NS,
    end_time_ns: BASE_NS + 10n * MS,
    status: 'ok',
    ...over,
  };
}
