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
  /**
   * The collector's public OTLP/HTTP base URL, reported by `GET /api/auth/me` for the dashboard's
   * snippets; a wildcard host is replaced by the host the caller used. Unset: that host, port 4318.
   */
  otlpEndpoint?: string;
  /** Built dashboard (index.html + assets) served at `/`; unset = API only. */
  dashboardDir?: string;
  /** How long a dashboard sign-in lasts (default 12 hours). */
  authSessionTtlMs?: number;
  /** How long a resolved key or sign-in is trusted before it is looked up again (default 5 s). */
  authCacheTtlMs?: number;
}
