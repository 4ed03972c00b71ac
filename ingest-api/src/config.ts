/** Settings of the API process; the CLI builds it from `loadConfig` and passes it in. */
export interface ApiConfig {
  host: string;
  httpPort: number;
  alertIntervalMs: number;
  webhookAllowPrivate: boolean;
  maxBodyBytes: number;
  logLevel: string;
  /** Whether the store is embedded chDB or a ClickHouse server (reported by /healthz). */
  storageMode: 'embedded' | 'server';
}
