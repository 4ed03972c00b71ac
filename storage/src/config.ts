/** Settings the store needs; built by the CLI's `loadConfig` and passed in. */
export interface StoreConfig {
  /** Embedded mode: the chDB data directory (DESIGN: `CAIRN_DATA_DIR`). */
  dataDir: string;
  /** Server mode when set: `http(s)://host:port` of a ClickHouse server or cluster. */
  clickhouseUrl?: string | undefined;
  clickhouseUser?: string | undefined;
  clickhousePassword?: string | undefined;
  clickhouseDatabase?: string | undefined;
  /** Days of raw spans kept; unset keeps everything. */
  retentionDays?: number | undefined;
}
