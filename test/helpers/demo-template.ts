/**
 * The page tests' service folder as a first start leaves it: migrated, the
 * first admin key made and the demo hub seeded (about 14 CPU-seconds each
 * time). The first test file to need it for a given "now" seeds it as
 * `npm start` does, stops the service and keeps a copy in the temp folder;
 * every other file copies that. The copy is keyed by the "now", the
 * settings in the environment (a file with its own signing key seeds its
 * own: the copy's checkpoints are signed with the seeding file's key), the
 * PGlite version and every source file the seeding runs (store, machines,
 * domain, service, host, activities, config, cli), so a changed rule or
 * migration makes a new one. Not pure (file I/O).
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publishFolder } from './publish-folder.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The folders whose files decide what a seeded first start leaves behind. */
const SEEDING_SOURCES = ['activities', 'cli', 'config', 'domain', 'host', 'machines', 'service', 'store'];
const PREFIX = 'pathway-web-demo-';

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

/** The settings a first start reads: a file that names its own signing key (web-audit-checks) must sign its own checkpoints. */
const SETTINGS = /^(PATHWAY_\w+|DATABASE_URL|SMTP_URL|PUBLIC_URL|MAILBOX_DIR)$/;

/** A test file that names its own signing key seeds its own folder, and keeps no copy: no other file could use it. */
const ownKey = () => Boolean(process.env.PATHWAY_SIGNING_KEY_FILE || process.env.PATHWAY_SIGNING_KEY);

/** A hash of the "now", the settings, the PGlite version and the seeding's source files (their paths and contents). */
function templateKey(now: string): string {
  const h = createHash('sha256').update(`${now}\n`);
  for (const [k, v] of Object.entries(process.env).filter(([k]) => SETTINGS.test(k)).sort()) h.update(`${k}=${v}\n`);
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  h.update(readFileSync(join(dirname(dirname(entry)), 'package.json')));
  for (const dir of SEEDING_SOURCES) {
    for (const f of filesUnder(join(ROOT, dir)).sort()) h.update(`${f.slice(ROOT.length)}\n`).update(readFileSync(f));
  }
  return h.digest('hex').slice(0, 16);
}

/**
 * Fills `dir` (empty) with a seeded first start for `now` and returns true, or
 * returns false when no copy exists yet for this code: then the caller seeds
 * it and hands the folder to `keepDemoTemplate`.
 */
export function copyDemoTemplate(dir: string, now: string): boolean {
  if (ownKey()) return false;
  const template = join(tmpdir(), `${PREFIX}${templateKey(now)}`);
  if (!existsSync(template)) return false;
  cpSync(template, dir, { recursive: true, force: false, errorOnExist: true });
  return true;
}

/** Keeps a copy of `dir`, just seeded for `now` by a service now stopped, for the next test files; drops copies made from older code. */
export async function keepDemoTemplate(dir: string, now: string): Promise<void> {
  if (ownKey()) return;
  const name = `${PREFIX}${templateKey(now)}`;
  await publishFolder(join(tmpdir(), name), (path) => cpSync(dir, path, { recursive: true }));
  // A copy from other code, untouched for an hour, is no longer wanted (each is about 45 MB).
  for (const other of readdirSync(tmpdir())) {
    if (!other.startsWith(PREFIX) || other === name) continue;
    const p = join(tmpdir(), other);
    if (Date.now() - statSync(p).mtimeMs > 3_600_000) rmSync(p, { recursive: true, force: true });
  }
}
