import { existsSync } from 'node:fs';
import { test } from 'vitest';
import { bigSessionSpans } from '../test/support/otlp';
import { ADMIN_KEY, send, seedDemo, startEnv } from '../test/support/fixture';

test('serve', async () => {
  const env = await startEnv({}, { otlp: '4328', http: '4010' });
  if (!process.env.EMPTY) {
    await seedDemo(env);
    if (process.env.BIG) await send(env, bigSessionSpans('sess-big-10k', 10_000));
  }
  console.log(`dashboard ${env.cairn.apiUrl} admin key ${ADMIN_KEY}`);
  // Runs until /tmp/cairn-dev-stop exists.
  while (!existsSync('/tmp/cairn-dev-stop')) await new Promise((r) => setTimeout(r, 500));
  await env.close();
});
