import { CairnError } from '@cairn/schemas';

/**
 * Listens, and turns a taken port into an error that names the setting to change. Without it a
 * second `cairn start` (or anything else on 4318 / 4317 / 4000) ends with Node's bare
 * "listen EADDRINUSE", which says neither which role nor which variable moves it.
 */
export async function listenOn(
  setting: string,
  host: string,
  port: number,
  listen: (host: string, port: number) => Promise<unknown>,
): Promise<void> {
  try {
    await listen(host, port);
  } catch (err) {
    if (!isAddressInUse(err)) throw err;
    throw new CairnError(
      'CAIRN_PORT_IN_USE',
      `${host}:${port} is already in use (another Cairn, or another program, listens there): stop it or set ${setting} to a free port`,
      { cause: err },
    );
  }
}

/** Node's net servers say EADDRINUSE; grpc-js reports the failed bind in its message only. */
function isAddressInUse(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return (
    (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ||
    /EADDRINUSE|address already in use|No address added/i.test(err.message)
  );
}
