import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The README says `npx cairn <command>` works after `npm install && npm run build`. npm links a
// package's bin when it installs it, before any build: a bin inside dist/ was skipped and npx
// answered "sh: cairn: not found". This runs the README's steps in a real clone of the committed
// tree. The registry is not used: node_modules is hard-linked from this checkout (without its
// .bin links, which are what the install must make) and `npm install` runs --offline.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cairn-clone-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// npx must never fetch a package named "cairn" from the registry instead.
const env = {
  ...process.env,
  npm_config_yes: 'false',
  npm_config_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
};
const sh = (cmd: string, args: string[]) => spawnSync(cmd, args, { cwd: dir, env, encoding: 'utf8', timeout: 540_000 });

describe('npx cairn on a fresh clone', () => {
  it('says to build first before `npm run build`, and prints the usage after it', () => {
    execFileSync('git', ['clone', '--quiet', ROOT, dir]);
    expect(existsSync(join(dir, 'cli/dist'))).toBe(false);
    execFileSync('cp', ['-al', join(ROOT, 'node_modules'), join(dir, 'node_modules')]);
    rmSync(join(dir, 'node_modules/.bin'), { recursive: true, force: true });

    const install = sh('npm', ['install', '--offline']);
    expect(install.status, install.stderr).toBe(0);

    const early = sh('npx', ['cairn', '--help']);
    expect(early.stderr).not.toMatch(/not found/);
    expect(early.stderr).toMatch(/not built yet.*npm run build/);
    expect(early.status).toBe(1);

    const build = sh('npm', ['run', 'build']);
    expect(build.status, build.stdout + build.stderr).toBe(0);
    const help = sh('npx', ['cairn', '--help']);
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^cairn — observability and cost control for AI agents/);
    expect(help.stdout).toMatch(/cairn collector/);
  }, 600_000);
});
