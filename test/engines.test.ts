/**
 * `engines` in package.json is true to the dependency tree (issue 13): every
 * package in package-lock.json accepts the oldest Node that `engines` allows
 * (so no cookie@2 or content-disposition@3, which declare Node >= 22, while we
 * run Node 20), and that oldest Node is not older than a package needs.
 * Reads the lock file only; semver is npm's own range parser, present in the
 * tree through many packages.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const semver = require('semver') as { minVersion(range: string): { version: string } | null; satisfies(v: string, range: string): boolean; inc(v: string, kind: 'minor'): string };
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
};

/** The packages of the lock file that state which Node they run on. */
const stated = Object.entries(lock.packages)
  .filter(([path, p]) => path !== '' && p.engines && !Array.isArray(p.engines) && p.engines.node)
  .map(([path, p]) => ({ name: `${path.replace(/^.*node_modules\//, '')}@${p.version}`, node: (p.engines as { node: string }).node }));

describe('engines', () => {
  const oldest = semver.minVersion(pkg.engines.node)!.version;

  it('every package in the lock file runs on the oldest Node that engines allows', () => {
    expect(stated.length).toBeGreaterThan(50);
    const refusing = stated.filter((p) => !semver.satisfies(oldest, p.node)).map((p) => `${p.name} wants node ${p.node}`);
    expect(refusing, `engines.node is ${pkg.engines.node}`).toEqual([]);
  });

  it('and engines allows no older Node than a package needs', () => {
    // The newest release before the oldest allowed one, e.g. 20.18.99 for >=20.19.
    const [major, minor] = oldest.split('.').map(Number) as [number, number];
    const older = minor > 0 ? `${major}.${minor - 1}.99` : `${major - 1}.99.99`;
    const needing = stated.filter((p) => !semver.satisfies(older, p.node));
    expect(needing.length, `no package needs more than Node ${older}: engines.node ${pkg.engines.node} could be looser`).toBeGreaterThan(0);
  });

  it('allows the Node these machines run (20.20)', () => {
    expect(semver.satisfies('20.20.2', pkg.engines.node)).toBe(true);
  });
});
