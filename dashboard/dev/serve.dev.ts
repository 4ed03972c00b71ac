import { existsSync } from 'node:fs';
import { test } from 'vitest';
import { bigSessionSpans } from '../test/support/otlp';
import { ADMIN_KEY, send, seedDemo, startEnv } from '../test/support/fixture';

// HTTP_PORT / OTLP_PORT / STOP_FILE let two of these run side by side (e.g. two builds of the
// dashboard, DIST=<other checkout>/dashboard/dist, for an A/B of bench/dashboard/replay-profile.mjs).
const stopFile = process.env.STOP_FILE ?? '/tmp/cairn-dev-stop';

test('serve', async () => {
  const env = await startEnv(
    {},
    { otlp: process.env.OTLP_PORT ?? '4328', http: process.env.HTTP_PORT ?? '4010' },
    process.env.DIST,
  );
  if (!process.env.EMPTY) {
    await seedDemo(env);
    if (process.env.BIG) await send(env, bigSessionSpans('sess-big-10k', 10_000));
  }
  console.log(`dashboard ${env.cairn.apiUrl} admin key ${ADMIN_KEY}`);
  // Runs until the stop file exists.
  while (!existsSync(stopFile)) await new Promise((r) => setTimeout(r, 500));
  await env.close();
});
