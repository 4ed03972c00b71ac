import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { minVersion, satisfies } from 'semver';
import { describe, expect, it } from 'vitest';

// The README promises Node.js 20.19 or newer (root `engines`). npm only warns (EBADENGINE) when a
// locked dependency needs a newer Node, and the first sign a user sees is that warning on
// `npm install` — or a crash on an API Node 20 lacks. Every package the lockfile installs must
// therefore admit the oldest Node we support; when an update pulls one that does not, pin an
// older line in the root `overrides` (as for `cookie` and `content-disposition`) or raise our
// own floor on purpose.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const readJson = (name: string): any => JSON.parse(readFileSync(ROOT + name, 'utf8'));

describe('Node.js engines', () => {
  const floor = minVersion(readJson('package.json').engines.node)!.version;
  const lock = readJson('package-lock.json');

  it('the floor is the one the README states', () => {
    expect(floor).toBe('20.19.0');
    expect(readFileSync(ROOT + 'README.md', 'utf8')).toContain('Node.js ≥ 20.19');
  });

  it('every locked package admits the oldest supported Node.js', () => {
    const refused = Object.entries<any>(lock.packages)
      .filter(([, p]) => typeof p.engines?.node === 'string')
      .filter(([, p]) => !satisfies(floor, p.engines.node, { includePrerelease: true }))
      .map(([path, p]) => `${path}@${p.version} needs node ${p.engines.node}`);
    expect(refused).toEqual([]);
  });
});
