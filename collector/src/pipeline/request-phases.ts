/**
 * Where one accepted OTLP request's time went, phase by phase, for the answer's `Server-Timing`
 * header and the `cairn_otlp_request_phase_seconds` histogram. The phases, in order:
 * - `receive`: from the request's arrival until its handler ran (key check, body read);
 * - `decompress`: gzip / deflate (HTTP; 0 for a plain body);
 * - `queue`: waiting for an ingest worker (another request's preparation) and the messages;
 * - `prepare`: decode → normalize → encode, as the thread that ran it measured it;
 * - `durable`: dedup, then the spool append and its fdatasync (group commit: it may wait for the
 *   flush before it), or the in-memory queue without a spool.
 * A slow request's header says which of them made it slow; the histogram says how often.
 */
export type RequestPhase = 'receive' | 'decompress' | 'queue' | 'prepare' | 'durable';

/** What the timer records into: `cairn_otlp_request_phase_seconds` (metrics.ts). */
export interface PhaseHistogram {
  observe(seconds: number, labels: { phase: RequestPhase }): void;
}

export class RequestPhases {
  private readonly ms = new Map<RequestPhase, number>();
  private last = performance.now();

  /** `receivedMs`: time from the request's arrival until now (Fastify's `reply.elapsedTime`). */
  constructor(receivedMs?: number) {
    if (receivedMs !== undefined) this.ms.set('receive', receivedMs);
  }

  /** The time since the previous mark (or the start) was `phase`. */
  lap(phase: RequestPhase): void {
    const now = performance.now();
    this.ms.set(phase, now - this.last);
    this.last = now;
  }

  /**
   * The time since the previous mark was the preparation: `prepareMs` of it (what the preparer
   * measured) is `prepare`, the rest `queue`.
   */
  prepared(prepareMs: number): void {
    const now = performance.now();
    const total = now - this.last;
    const prepare = Math.min(prepareMs, total);
    this.ms.set('queue', total - prepare);
    this.ms.set('prepare', prepare);
    this.last = now;
  }

  /** The `Server-Timing` header value (W3C Server Timing: milliseconds), e.g. `queue;dur=0.4, prepare;dur=9.1`. */
  header(): string {
    return [...this.ms].map(([phase, ms]) => `${phase};dur=${ms.toFixed(1)}`).join(', ');
  }

  observe(histogram: PhaseHistogram): void {
    for (const [phase, ms] of this.ms) histogram.observe(ms / 1000, { phase });
  }
}
