/** Settings the store needs; built by the CLI's `loadConfig` and passed in. */
export interface StoreConfig {
  /** Embedded mode: the chDB data directory (`CAIRN_DATA_DIR`). */
  dataDir: string;
  /** Server mode when set: `http(s)://host:port` of a ClickHouse server or cluster. */
  clickhouseUrl?: string | undefined;
  clickhouseUser?: string | undefined;
  clickhousePassword?: string | undefined;
  clickhouseDatabase?: string | undefined;
  /** Server mode over https: PEM file of the CA that signed the server's certificate. */
  clickhouseCaCert?: string | undefined;
  /** Mutual TLS: PEM files of the client certificate and its key (both or neither). */
  clickhouseClientCert?: string | undefined;
  clickhouseClientKey?: string | undefined;
  /** Timeout of one request to the server (default 30 s). */
  clickhouseRequestTimeoutMs?: number | undefined;
  /** Server mode on a cluster: migrations run ON CLUSTER with replicated, sharded tables (storage/src/cluster.ts). */
  cluster?: string | undefined;
  /** Days of raw spans kept; unset keeps everything. */
  retentionDays?: number | undefined;
}
