/**
 * A minimal Prometheus text-format registry: counters, gauges and histograms are all the
 * collector exposes, so a dependency would buy nothing.
 */
type Labels = Record<string, string>;

const labelKey = (labels: Labels | undefined): string =>
  labels
    ? Object.keys(labels)
        .sort()
        .map((k) => `${k}="${String(labels[k]).replace(/["\\\n]/g, '_')}"`)
        .join(',')
    : '';

class Counter {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' = 'counter',
  ) {}
  inc(by = 1, labels?: Labels): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  set(value: number, labels?: Labels): void {
    this.values.set(labelKey(labels), value);
  }
  get(labels?: Labels): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    if (this.values.size === 0) lines.push(`${this.name} 0`);
    for (const [k, v] of this.values) lines.push(k ? `${this.name}{${k}} ${v}` : `${this.name} ${v}`);
    return lines.join('\n');
  }
}

class Histogram {
  /** Bucket counts, sum and count per label set ('' = no labels). */
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: number[],
  ) {}
  observe(v: number, labels?: Labels): void {
    const k = labelKey(labels);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    s.sum += v;
    s.count += 1;
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]!) s.counts[i]! += 1;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    const series = this.series.size ? this.series : new Map([['', { counts: this.buckets.map(() => 0), sum: 0, count: 0 }]]);
    for (const [k, s] of series) {
      const at = (le: string) => (k ? `{${k},le="${le}"}` : `{le="${le}"}`);
      const plain = k ? `{${k}}` : '';
      this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket${at(String(b))} ${s.counts[i]}`));
      lines.push(
        `${this.name}_bucket${at('+Inf')} ${s.count}`,
        `${this.name}_sum${plain} ${s.sum}`,
        `${this.name}_count${plain} ${s.count}`,
      );
    }
    return lines.join('\n');
  }
}

export function createCollectorMetrics() {
  const m = {
    requests: new Counter('cairn_otlp_requests_total', 'OTLP/HTTP export requests by HTTP status.'),
    grpcRequests: new Counter('cairn_otlp_grpc_requests_total', 'OTLP/gRPC export calls by gRPC status code.'),
    spansAccepted: new Counter('cairn_spans_accepted_total', 'Spans accepted and queued for writing.'),
    spansRejected: new Counter('cairn_spans_rejected_total', 'Spans rejected (partial success) by reason.'),
    spansDuplicate: new Counter('cairn_spans_duplicate_total', 'Spans dropped as re-sent duplicates.'),
    spansWritten: new Counter('cairn_spans_written_total', 'Spans written to ClickHouse.'),
    batchesWritten: new Counter('cairn_batches_written_total', 'Batches written to ClickHouse (one insert each).'),
    batchFailures: new Counter('cairn_batch_failures_total', 'Failed batch inserts (retried).'),
    deadLetterSpans: new Counter(
      'cairn_dead_letter_spans_total',
      'Spans the store refused for a data error, kept as dead letters, by reason.',
    ),
    batchesBisected: new Counter('cairn_batches_bisected_total', 'Batches split to isolate the rows the store refused.'),
    deadLetterFileSpans: new Counter(
      'cairn_dead_letter_file_spans_total',
      'Dead letters written to the file beside the spool because the dead_letters table refused them.',
    ),
    queuedRows: new Counter('cairn_queue_rows', 'Rows waiting to be written.', 'gauge'),
    spoolBytes: new Counter('cairn_spool_bytes', 'Bytes of spool segments on disk (0 without a spool).', 'gauge'),
    requestSeconds: new Histogram(
      'cairn_otlp_request_duration_seconds',
      'OTLP export requests, from arrival to answer, as the collector sees them.',
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    ),
    requestPhaseSeconds: new Histogram(
      'cairn_otlp_request_phase_seconds',
      "Accepted OTLP requests by phase (receive, decompress, queue, prepare, durable): where the request time goes. Also in each answer's Server-Timing header (HTTP).",
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    ),
    // Process memory, refreshed on each scrape: what a large RSS is made of (docs: collector README).
    residentBytes: new Counter('process_resident_memory_bytes', 'Resident set size of the process.', 'gauge'),
    heapUsedBytes: new Counter('nodejs_heap_used_bytes', 'V8 heap in use (JS objects).', 'gauge'),
    heapTotalBytes: new Counter('nodejs_heap_total_bytes', 'V8 heap reserved.', 'gauge'),
    externalBytes: new Counter(
      'nodejs_external_memory_bytes',
      'Memory outside the V8 heap owned by JS objects (Buffers, ArrayBuffers).',
      'gauge',
    ),
    clickhouseBytes: new Counter(
      'cairn_clickhouse_memory_bytes',
      "ClickHouse's tracked memory (MemoryTracking): embedded, chDB inside this process; with a server, the server's.",
      'gauge',
    ),
    insertSeconds: new Histogram(
      'cairn_insert_duration_seconds',
      'Duration of one batch insert.',
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    ),
  };
  return {
    ...m,
    render(): string {
      return (
        Object.values(m)
          .map((x) => x.render())
          .join('\n') + '\n'
      );
    },
  };
}

export type CollectorMetrics = ReturnType<typeof createCollectorMetrics>;
