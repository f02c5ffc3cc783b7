/**
 * The layers' arrows point down: interfaces (cli/, api/, web/) -> service/ ->
 * hosts (host/, workflows/, worker/) -> activities/, store/ -> machines/ ->
 * domain/. config/ is a leaf any layer may read. Every relative import of
 * every source file is resolved to its top folder and checked against the
 * folders its layer may use, so an import that points up fails here with the
 * file and the line.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const BELOW_HOSTS = ['activities', 'store', 'machines', 'domain', 'config'];
const HOSTS = ['host', 'workflows', 'worker'];

/** The folders each layer may import from (its own always). */
const MAY_USE: Record<string, string[]> = {
  domain: [],
  machines: ['domain'],
  store: ['machines', 'domain', 'config'],
  activities: ['store', 'machines', 'domain', 'config'],
  host: [...HOSTS, ...BELOW_HOSTS],
  workflows: [...HOSTS, ...BELOW_HOSTS],
  worker: [...HOSTS, ...BELOW_HOSTS],
  service: [...HOSTS, ...BELOW_HOSTS],
  api: ['service', ...HOSTS, ...BELOW_HOSTS],
  web: ['service', ...HOSTS, ...BELOW_HOSTS],
  config: [],
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

interface Violation {
  file: string;
  line: number;
  imports: string;
}

/** Every relative import of the folder's files that leaves the folders its layer may use. */
function violations(layer: string, mayUse: string[] = MAY_USE[layer]!): Violation[] {
  const allowed = new Set([layer, ...mayUse]);
  const found: Violation[] = [];
  for (const file of sources(join(ROOT, layer))) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((text, i) => {
        for (const m of text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)) {
          const target = relative(ROOT, resolve(dirname(file), m[1]!)).split(sep)[0]!;
          if (!allowed.has(target)) found.push({ file: relative(ROOT, file), line: i + 1, imports: m[1]! });
        }
      });
  }
  return found;
}

describe('the layers import only downwards', () => {
  it.each(Object.keys(MAY_USE))('%s', (layer) => {
    expect(violations(layer)).toEqual([]);
  });

  it('the check sees the imports it judges (a control: machines/ with domain/ forbidden has violations naming domain/)', () => {
    const found = violations('machines', []);
    expect(found.length).toBeGreaterThan(5);
    expect(found.every((v) => v.imports.includes('domain/'))).toBe(true);
  });
});
