import type { CairnRuntime, StartOptions } from 'cairn';

/**
 * Every role of Cairn in this process, as `cairn start` runs them, on an embedded store in
 * `dataDir`, on ports the system picks (read `otlpUrl` / `otlpGrpcUrl` / `apiUrl`), without log output.
 * `env` adds or overrides settings (keys, batch window, alert interval, …).
 */
export async function startTestCairn(
  dataDir: string,
  env: Record<string, string> = {},
  opts: StartOptions = {},
): Promise<CairnRuntime> {
  // Loaded on call: a test that only wants a temporary directory or the seeded generator from
  // the kit should not load every server package and chDB's native engine with it.
  const { loadConfig, startCairn } = await import('cairn');
  return startCairn(
    loadConfig({ CAIRN_DATA_DIR: dataDir, CAIRN_OTLP_PORT: '0', CAIRN_OTLP_GRPC_PORT: '0', CAIRN_HTTP_PORT: '0', ...env }),
    {
      quiet: true,
      ...opts,
    },
  );
}
