/**
 * The one command set, run as a user runs it (node bin/pathway.mjs): each old
 * name prints a one-line deprecation naming the new command and gives exactly
 * the new command's output and exit code (a tampered history exits 1 under
 * both names); a read-only command on a database that does not exist refuses
 * with exit 2 and creates nothing; `DATABASE_URL=postgres://… pathway serve`
 * does not seed the demo hub; `users add` works while the service holds the
 * PGlite folder; errors name the command to run, never an HTTP route.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { resolveAlias, ALIASES } from '../cli/aliases.js';
import { wantsDemo } from '../service/demo.js';
import { startServer } from '../cli/commands/serve.js';
import { SimulatedClock } from '../host/clock.js';
import { createTestDatabase, dbTargets, type TestDatabase } from './helpers/db.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/pathway.mjs');
const form = join(root, 'examples/forms/secondary-development-2020.json');
const URN = '108514';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function pathway(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1', DATABASE_URL: '', SMTP_URL: '', ...env }, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** stderr without the line saying where the data is. */
const errors = (r: Run) => r.stderr.split('\n').filter((l) => l && !l.startsWith('pathway: data in '));

const dirs: string[] = [];
function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('old names as aliases', () => {
  it('every alias rewrites to a command of the new set, keeping global options and arguments', () => {
    expect(resolveAlias(['node', 'pathway', '--db', '/x', 'apply', 'f.json', '--json']).argv).toEqual(['node', 'pathway', '--db', '/x', 'applications', 'submit', 'f.json', '--json']);
    expect(resolveAlias(['node', 'pathway', 'schools', 'apply', 'f.json']).argv).toEqual(['node', 'pathway', 'applications', 'submit', 'f.json']);
    expect(resolveAlias(['node', 'pathway', 'groups', 'add', 'g1', '123', '--json']).argv).toEqual(['node', 'pathway', 'applications', 'select', '123', '--group', 'g1', '--json']);
    expect(resolveAlias(['node', 'pathway', 'schools', '--overdue']).alias).toBeNull();
    expect(resolveAlias(['node', 'pathway', 'schools', 'show', '1']).alias).toBeNull();
    expect(new Set(ALIASES.map((a) => a.old.join(' ')))).toEqual(
      new Set(['apply', 'schools apply', 'schools assess', 'schools select', 'schools waitlist', 'schools decline', 'groups add', 'status', 'history', 'event', 'attend', 'users contact', 'users contacts']),
    );
  });
});

// Each CLI run is its own process. The commands run on Postgres: a process opening PGlite costs about twice
// the CPU, and the CLI on a PGlite folder is tested in cli-embedded, cli-at and api-cli.
describe('the one command set', { timeout: 300_000 }, () => {
  const dir = tempDir('pathway-cmds-');
  let db = '';
  const env = { MAILBOX_DIR: join(dir, 'mailbox') };
  const run = (...args: string[]) => pathway(['--db', db, ...args], env);
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await createTestDatabase(dbTargets().find((t) => t.name === 'postgres')!);
    db = database.url;
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('a read-only command on a PGlite folder with no database refuses with exit 2 and creates nothing', async () => {
    const missing = join(dir, 'mistyped');
    for (const args of [['schools', 'show', URN], ['status', URN], ['schools'], ['groups', 'list'], ['users', 'list'], ['schools', 'history', URN]]) {
      const r = await pathway(['--db', missing, ...args], env);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`pathway: no database at ${missing}; create one with \`pathway --db ${missing} serve\``);
      expect(existsSync(missing), args.join(' ')).toBe(false);
    }
    expect(readdirSync(dir).filter((f) => f !== 'mailbox')).toEqual([]);
  });

  it('apply and applications submit: the same output, the alias says the new name on stderr in one line', async () => {
    const neu = await run('applications', 'submit', form);
    expect(errors(neu)).toEqual([]);
    expect(neu.code).toBe(0);
    // The headteacher's acknowledgement of the application waits in the outbox.
    expect(neu.stdout).toBe('Application for secondary-development-2020-21 recorded: Tynebridge School (URN 108514) is now Development: application received, version 1.\n  1 email to send.\n');
    // Applying again is refused the same way by both names.
    const again = await run('applications', 'submit', form);
    const old = await run('apply', form);
    expect(errors(old)).toEqual(['pathway: "pathway apply" is now "pathway applications submit"; the old name still works but will go', ...errors(again)]);
    expect(old.code).toBe(again.code);
    expect(old.stdout).toBe(again.stdout);
  });

  it('status and schools show; history and schools history: the same text, JSON and exit code', async () => {
    // Each old name against its new one, in text, as JSON, and for an unknown school (the rewrites themselves are checked above).
    const pairs = [
      [['status', URN], ['schools', 'show', URN]],
      [['history', URN, '--at', '2020-06-01', '--json'], ['schools', 'history', URN, '--at', '2020-06-01', '--json']],
      [['status', '999999'], ['schools', 'show', '999999']],
    ] as const;
    const news: Run[] = [];
    for (const [oldArgs, newArgs] of pairs) {
      // One after the other: PGlite lets one process at a time open the folder.
      const o = await run(...oldArgs);
      const n = await run(...newArgs);
      news.push(n);
      expect(o.stdout, oldArgs.join(' ')).toBe(n.stdout);
      expect(o.code, oldArgs.join(' ')).toBe(n.code);
      expect(errors(o).slice(1), oldArgs.join(' ')).toEqual(errors(n));
      expect(errors(o)[0]).toMatch(/^pathway: "pathway (status|history)" is now "pathway schools (show|history)"/);
    }
    const [show, history, unknown] = news as [Run, Run, Run];
    expect(show.stdout).toMatch(/^Tynebridge School \(URN 108514\), secondary, Great North Maths Hub: Development: application received\n/);
    expect(show.stdout).toContain('meetings      0 meetings held; 4 required');
    expect(Array.isArray((JSON.parse(history.stdout) as { entries: unknown }).entries)).toBe(true);
    expect(unknown.code).toBe(2);
    expect(errors(unknown)).toEqual(['pathway: no school with URN 999999: submit its application first, or check the URN; an application is submitted with `pathway applications submit <form.json>`']);
  });

  it('errors name the command to run, not an HTTP route; groups add is applications select', async () => {
    const assessed = await run('applications', 'assess', URN);
    expect(assessed.stdout).toMatch(/^ELIGIBILITY_ASSESSED recorded: Tynebridge School \(URN 108514\) is now Development: eligible, awaiting a place, version 2\.\n$/);
    const noRoom = await run('applications', 'select', URN);
    expect(noRoom.code).toBe(2);
    expect(noRoom.stderr).toContain('has room (0 group(s)); create one with `pathway groups create');
    expect(noRoom.stderr).not.toMatch(/(GET|POST|PUT) \//);
    const noGroup = await run('groups', 'add', 'no-such-group', URN);
    expect(noGroup.code).toBe(2);
    expect(errors(noGroup)).toEqual([
      'pathway: "pathway groups add" is now "pathway applications select" <urn> --group <group>; the old name still works but will go',
      'pathway: no work group no-such-group; list the work groups with `pathway groups list`',
    ]);
    const noSchools = await run('schedule', 'generate', 'g-none');
    expect(noSchools.stderr).not.toMatch(/(GET|POST|PUT) \//);
  });

  it('attend says what it caused: the grant released, and meetings held against those required', async () => {
    const created = await run('groups', 'create', '--programme', 'secondary-development-2020-21', '--hub', 'Great North', '--lead-name', 'Ann Lead', '--lead-email', 'ann@example.org', '--id', 'gn-dev-1');
    expect(created.code, created.stderr).toBe(0);
    expect((await run('applications', 'select', URN, '--group', 'gn-dev-1')).code).toBe(0);
    const schedule = await run('schedule', 'generate', 'gn-dev-1', '--json');
    const first = (JSON.parse(schedule.stdout) as { sessions: { id: string }[] }).sessions[0]!.id;
    expect((await run('schools', 'commit', URN, '--signatories', 'headteacher,headOfDepartment,teacher1,teacher2')).code).toBe(0);
    const attended = await run('attend', URN, first, '--teachers', '2', '--headteacher');
    expect(attended.code).toBe(0);
    expect(attended.stdout).toContain(`Attendance at ${first} recorded: Tynebridge School (URN 108514) is now Development: taking part, version 6. 1 meeting held; 4 required.`);
    expect(attended.stdout).toMatch(/\n {2}Grant of £2,000 released(;|\.)/);
  });

  it('a tampered history exits 1 under both names, with the same output', async () => {
    const { openDb } = await import('../store/db.js');
    const d = await openDb(db);
    try {
      // Behind the append-only trigger's back, as an attacker with the database would.
      await d.tx(async (tx) => {
        await tx.query('ALTER TABLE events DISABLE TRIGGER events_append_only');
        await tx.query(`UPDATE events SET payload = jsonb_set(payload, '{note}', '"changed"') WHERE urn = $1 AND version = 2`, [URN]);
        await tx.query('ALTER TABLE events ENABLE TRIGGER events_append_only');
      });
    } finally {
      await d.close();
    }
    const o = await run('history', URN);
    const n = await run('schools', 'history', URN);
    expect(n.code).toBe(1);
    expect(o.code).toBe(1);
    expect(o.stdout).toBe(n.stdout);
    expect(n.stdout).toContain('Hash chain: TAMPERED at version 2');
    expect(errors(n)).toEqual([expect.stringMatching(/^pathway: the event log of URN 108514 was tampered with at version 2/)]);
  });
});

describe('demo hub seeding', { timeout: 180_000 }, () => {
  it('only into the default embedded folder, or when asked', () => {
    expect(wantsDemo({ demo: undefined, dbIsDefault: true, target: './.pglite' })).toBe(true);
    expect(wantsDemo({ demo: undefined, dbIsDefault: false, target: '/srv/hub/db' })).toBe(false);
    expect(wantsDemo({ demo: undefined, dbIsDefault: false, target: 'postgres://u@h/db' })).toBe(false);
    expect(wantsDemo({ demo: true, dbIsDefault: false, target: 'postgres://u@h/db' })).toBe(true);
    expect(wantsDemo({ demo: false, dbIsDefault: true, target: './.pglite' })).toBe(false);
  });

  let pgDb: TestDatabase | undefined;
  beforeAll(async () => {
    pgDb = await createTestDatabase(dbTargets().find((t) => t.name === 'postgres')!);
  });
  afterAll(async () => {
    await pgDb?.drop();
  });

  it('DATABASE_URL=postgres://… pathway serve starts without seeding the demo into the audit log', async () => {
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0'], { cwd: tempDir('pathway-serve-pg-'), env: { ...process.env, NO_COLOR: '1', SMTP_URL: '', DATABASE_URL: pgDb!.url, MAILBOX_DIR: tempDir('pathway-mail-') } });
    let out = '';
    try {
      await new Promise<void>((ok, fail) => {
        const timer = setTimeout(() => fail(new Error(`serve did not start: ${out}`)), 90_000);
        child.stdout.on('data', (b: Buffer) => {
          out += b.toString();
          if (out.includes('hub service on')) {
            clearTimeout(timer);
            ok();
          }
        });
        child.stderr.on('data', (b: Buffer) => (out += b.toString()));
        child.on('exit', (code) => fail(new Error(`serve exited ${code}: ${out}`)));
      });
    } finally {
      child.kill('SIGTERM');
    }
    expect(out).not.toMatch(/Seeded|seeding the demo/);
    const c = new pg.Client({ connectionString: pgDb!.url });
    await c.connect();
    try {
      const users = await c.query('SELECT count(*)::int AS n FROM api_users');
      expect(users.rows[0].n).toBe(1); // the first admin token, and nothing of the demo
      const groups = await c.query('SELECT count(*)::int AS n FROM work_groups');
      expect(groups.rows[0].n).toBe(0);
    } finally {
      await c.end();
    }
  });

  it('a named PGlite folder is not seeded unless --demo asks', async () => {
    const folder = join(tempDir('pathway-named-'), 'db');
    const lines: string[] = [];
    const s = await startServer({ db: folder, port: 0, host: '127.0.0.1', clock: new SimulatedClock('2026-11-23T12:00:00Z'), say: (l) => lines.push(l), mailbox: tempDir('pathway-mail-') });
    try {
      expect(lines.join('\n')).not.toContain('Seeded');
      expect(await s.service.engine.schools({ limit: 1 })).toEqual([]);
    } finally {
      await s.close();
    }
  });
});

describe('a lost admin token while the service runs on PGlite', { timeout: 180_000 }, () => {
  it('pathway users add reaches the running service through its admin socket; the new token works', async () => {
    const dir = tempDir('pathway-sock-');
    const db = join(dir, 'db');
    const s = await startServer({ db, port: 0, host: '127.0.0.1', demo: false, clock: new SimulatedClock('2026-11-23T12:00:00Z'), say: () => undefined, mailbox: join(dir, 'mailbox') });
    try {
      const added = await pathway(['--db', db, 'users', 'add', '--name', 'Second Admin', '--role', 'admin']);
      expect(added.stderr).toBe('');
      expect(added.code).toBe(0);
      expect(added.stdout).toMatch(/^Added Second Admin \(second-admin-[0-9a-f]{4}\), admin \(through the running service\)\./);
      const token = /\(shown once, keep it safe\): (mpt_\S+)/.exec(added.stdout)![1]!;
      const me = await fetch(`${s.address}/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(me.status).toBe(200);
      const listed = await pathway(['--db', db, 'users', 'list', '--json']);
      expect((JSON.parse(listed.stdout) as { name: string }[]).map((u) => u.name).sort()).toEqual(['First-start admin', 'Second Admin']);
      const bad = await pathway(['--db', db, 'users', 'add', '--name', 'Nobody', '--role', 'hub_staff']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('hubs hub staff work in exactly one hub');
    } finally {
      await s.close();
    }
    expect(existsSync(join(db, 'pathway-admin.sock'))).toBe(false);
  });
});
