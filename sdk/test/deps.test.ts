import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const SERVER_SIDE = /^(fastify|@fastify\/|chdb|@chdb\/|@clickhouse\/|pino|@cairn\/(storage|collector|ingest-api)|cairn$)/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('@cairn/sdk dependencies', () => {
  it('lists nothing server-side, and @cairn/schemas pulls in only typebox', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      peerDependencies?: Record<string, string>;
    };
    const deps = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies });
    expect(deps.filter((d) => SERVER_SIDE.test(d))).toEqual([]);
    expect(deps.every((d) => d.startsWith('@opentelemetry/') || d === '@cairn/schemas')).toBe(true);
    const schemas = JSON.parse(readFileSync(join(root, '../schemas/package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(Object.keys(schemas.dependencies)).toEqual(['typebox']);
  });

  it('imports only OpenTelemetry, @cairn/schemas/conventions and node: built-ins (not even the LLM client packages)', () => {
    const imported = new Set<string>();
    for (const file of sources(join(root, 'src'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/^(?:import|export)[^'"]*from\s+'([^']+)'/gm)) imported.add(m[1]!);
    }
    const external = [...imported].filter((m) => !m.startsWith('.'));
    expect(external.length).toBeGreaterThan(5);
    // The conventions subpath, never the root: the root loads typebox, which the SDK has no use for.
    expect(
      external.filter((m) => !(m.startsWith('@opentelemetry/') || m === '@cairn/schemas/conventions' || m.startsWith('node:'))),
    ).toEqual([]);
    expect(external).toContain('@cairn/schemas/conventions');
  });
});
