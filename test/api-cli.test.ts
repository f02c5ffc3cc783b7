/**
 * What `npm start` and the operator commands do, on a PGlite folder as a new
 * user would have: the first start seeds the demo hub (schools in every
 * phase, a year of meetings, overdue items), serves /docs and the API over
 * HTTP and prints an admin token once; a later start says how to make
 * another. Then the CLI, in-process, on the same folder: tables by default,
 * JSON with --json, exit code 2 with the reason when a rule refuses.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../cli/commands/serve.js';
import { main } from '../cli/main.js';
import { SimulatedClock } from '../host/clock.js';

const NOW = '2026-11-23T12:00:00Z';

/** Runs `pathway <args>` in this process; returns what it printed and its exit code. */
async function pathway(...args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  const saved = process.exitCode;
  process.exitCode = 0;
  try {
    await main(['node', 'pathway', ...args]);
    return { out, err, code: Number(process.exitCode ?? 0) };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = saved;
  }
}

describe('npm start and the operator CLI on a PGlite folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pathway-start-'));
  const db = join(dir, '.pglite');
  const mailbox = join(dir, 'mailbox');
  const lines: string[] = [];
  let address = '';
  let token: string | null = null;
  let close: () => Promise<void> = async () => undefined;

  beforeAll(async () => {
    const s = await startServer({ db, port: 0, host: '127.0.0.1', demo: true, clock: new SimulatedClock(NOW), mailbox, say: (l) => lines.push(l) });
    address = s.address;
    token = s.firstToken;
    close = s.close;
  });
  afterAll(async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('first start: seeds the demo hub, prints the address and /docs, and writes the admin token once to a 0600 file, never to stdout', async () => {
    expect(lines.join('\n')).toMatch(/Seeded 11 schools and 5 work groups for 2026\/27/);
    // Progress while it seeds, a line at each quarter reached, in order, before the summary.
    const progress = lines.filter((l) => /^ {2}\d+% seeded: /.test(l));
    const percents = progress.map((l) => Number(/(\d+)%/.exec(l)![1]));
    expect(percents.length).toBeGreaterThanOrEqual(2);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(percents.every((p) => [25, 50, 75].includes(p))).toBe(true);
    for (const l of progress) expect(l).toMatch(/^ {2}\d+% seeded: the hub's history to \d{1,2} \w+ 20\d\d$/);
    expect(lines.indexOf(progress.at(-1)!)).toBeLessThan(lines.findIndex((l) => l.startsWith('Seeded ')));
    expect(lines.some((l) => l.includes(`${address}/docs`))).toBe(true);
    expect(token).toMatch(/^mpt_/);
    expect(lines.join('\n')).not.toContain(token!);
    const file = join(db, 'first-admin-token');
    expect(lines.join('\n')).toContain(`Admin sign-in key: written once to ${file}`);
    expect(readFileSync(file, 'utf8').trim()).toBe(token);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const docs = await fetch(`${address}/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toMatch(/swagger/i);
    expect((await fetch(`${address}/health`)).status).toBe(200);
    expect((await fetch(`${address}/schools`)).status).toBe(401);
  });

  it('checks the checkpoints it signs with the key beside the folder it was given, not one beside ./.pglite', async () => {
    const r = await fetch(`${address}/verify`, { headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(200);
    const report = (await r.json()) as { clean: boolean; checkpoint: { signature: string } | null; notes: string[] };
    expect(report.clean).toBe(true);
    expect(report.checkpoint?.signature).toBe('valid');
    expect(report.notes.join(' ')).not.toContain('not checked');
  });

  it('the demo hub has schools in every phase, a year of meetings, and overdue items', async () => {
    const r = await fetch(`${address}/schools`, { headers: { authorization: `Bearer ${token}` } });
    const { schools } = (await r.json()) as { schools: { urn: string; phase: string; status: string; overdue: boolean; academicYear: string }[] };
    expect(schools).toHaveLength(11);
    expect(new Set(schools.map((s) => s.phase))).toEqual(new Set(['trg', 'readiness', 'development', 'embedding', 'sustaining']));
    expect(new Set(schools.map((s) => s.status))).toEqual(new Set(['completed', 'active', 'overdue', 'applied', 'waitlisted', 'declined', 'withdrawn']));
    expect(schools.filter((s) => s.overdue).map((s) => s.urn).sort()).toEqual(['100004', '100007']);
    const group = await fetch(`${address}/groups/emeast-readiness-2026-1`, { headers: { authorization: `Bearer ${token}` } });
    const g = (await group.json()) as { sessions: { kind: string }[]; schools: unknown[] };
    expect(g.sessions.filter((s) => s.kind === 'workshop')).toHaveLength(6);
    // The demo is seeded on its own simulated clock: its mail about the past went at its time, as a real
    // hub's would have (reminders, the headteacher-absent escalation); the hub lead's weekly digest, about
    // now, goes out and lists the overdue schools.
    const mail = readdirSync(mailbox);
    expect(mail.some((f) => f.includes('headteacher-absent-first'))).toBe(true);
    expect(mail.some((f) => f.includes('_reminder_') || f.includes('reminder'))).toBe(true);
    const digest = mail.filter((f) => f.startsWith('digest_east-midlands-east_2026-W48'));
    expect(digest).toHaveLength(1);
    const text = readFileSync(join(mailbox, digest[0]!), 'utf8').replace(/=\r?\n/g, '');
    expect(text).toContain('URN 100004');
    expect(text).toContain('URN 100007');
    expect(text).not.toMatch(/GET \/|pathway /);
  });

  it('a later start does not show the token again, and says how to make another', async () => {
    await close();
    lines.length = 0;
    const s = await startServer({ db, port: 0, host: '127.0.0.1', demo: true, clock: new SimulatedClock(NOW), mailbox, say: (l) => lines.push(l) });
    close = s.close;
    expect(s.firstToken).toBeNull();
    expect(lines.join('\n')).not.toMatch(/Seeded/);
    expect(lines.join('\n')).toContain('Admin sign-in key: written once, at the first start. Lost it? Make another with: npx pathway users add');
    expect((await fetch(`${s.address}/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    // A second start on a port already taken says what to do, not "listen EADDRINUSE".
    const port = Number(new URL(s.address).port);
    const other = mkdtempSync(join(tmpdir(), 'pathway-busy-'));
    try {
      await expect(startServer({ db: join(other, 'db'), port, host: '127.0.0.1', demo: false, clock: new SimulatedClock(NOW), mailbox, say: () => undefined })).rejects.toThrow(
        `port ${port} on 127.0.0.1 is already in use (is the service already running?): stop that, or choose another port, e.g. npm start -- --port ${port + 1}`,
      );
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
    await close();
    close = async () => undefined;
  });

  it('pathway --version prints the version of the package', async () => {
    const r = await pathway('--version');
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe((JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version);
  });

  it('pathway schools: a table by default, JSON with --json, filters', async () => {
    const table = await pathway('--db', db, '--wide', 'schools', '--phase', 'readiness');
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/^urn\s+school\s+hub\s+phase\s+status/);
    expect(table.out).toContain('Hollybrook Primary School');
    expect(table.out).toMatch(/\n5 schools\.\n$/);
    const fitted = await pathway('--db', db, 'schools', '--phase', 'readiness');
    for (const line of fitted.out.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    const csv = await pathway('--db', db, 'schools', '--phase', 'readiness', '--csv');
    const rows = csv.out.trimEnd().split('\r\n');
    expect(rows[0]).toBe('urn,school,hub,phase,status,year,group,meetings,overdue');
    expect(rows).toHaveLength(6);
    expect(rows.some((r) => r.startsWith('100005,Hollybrook Primary School,'))).toBe(true);
    // A status as the pages say it is the same filter as its name; a status that is neither is refused, with the choices.
    const byWords = await pathway('--db', db, 'schools', '--status', 'Taking part', '--phase', 'readiness', '--csv');
    const byName = await pathway('--db', db, 'schools', '--status', 'active', '--phase', 'readiness', '--csv');
    expect(byWords.out).toBe(byName.out);
    expect(byWords.out).toContain('100005,Hollybrook Primary School,East Midlands East,Readiness,Taking part,');
    const bogus = await pathway('--db', db, 'schools', '--status', 'bogus');
    expect(bogus.code).toBe(2);
    expect(bogus.err).toMatch(/--status must be one of: .*active \(Taking part\).* \(got "bogus"\)/);
    const json = await pathway('--db', db, 'schools', '--overdue', '--json');
    expect((JSON.parse(json.out) as { urn: string }[]).map((s) => s.urn)).toEqual(['100004', '100007']);
    const one = await pathway('--db', db, 'schools', 'show', '100005');
    expect(one.out).toContain('Hollybrook Primary School (URN 100005), primary, East Midlands East Maths Hub: Readiness: taking part');
    expect(one.out).toMatch(/workshops\s+\d+ workshops? held; \d+ required/);
    // Its programme as the pages name it (no "rules carried forward" note); its work group as the pages name it, beside the id the group commands take.
    expect(one.out).toMatch(/programme\s+Primary Mastery Readiness Work Group 2026\/27 \(primary-readiness-2026-27\)\n/);
    expect(one.out).toMatch(/work group\s+Readiness 2026\/27, group 1 \(emeast-readiness-2026-1\)/);
  });

  it('pathway cohort transition --dry-run says per school what would happen', async () => {
    const r = await pathway('--db', db, '--wide', 'cohort', 'transition', '--from', '2025/26', '--to', '2026/27', '--dry-run');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Dry run \(nothing changed\) 2025\/26 -> 2026\/27: 2 already moved, 1 cannot move\./);
    expect(r.out).toMatch(/100007\s+Kingsway Primary School\s+development \(overdue\)\s+-\s+cannot move\s+evaluation missing \(overdue\)/);
  });

  it('pathway users, groups and attend', async () => {
    const added = await pathway('--db', db, 'users', 'add', '--name', 'Ann Auditor', '--role', 'auditor', '--hub', 'east-midlands-east', '--json');
    expect(added.code).toBe(0);
    expect(JSON.parse(added.out)).toMatchObject({ user: { role: 'auditor', hubs: ['east-midlands-east'] }, token: expect.stringMatching(/^mpt_/) });
    const bad = await pathway('--db', db, 'users', 'add', '--name', 'Nobody', '--role', 'hub_staff');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('hubs hub staff work in exactly one hub');
    const list = await pathway('--db', db, '--wide', 'users', 'list');
    expect(list.out).toContain('Ann Auditor');
    const groups = await pathway('--db', db, '--wide', 'groups', 'list');
    expect(groups.out).toMatch(/emeast-readiness-2026-1\s+east-midlands-east\s+primary-readiness-2026-27\s+2026\/27\s+2\/8/);
    const refused = await pathway('--db', db, 'schools', 'attend', '100008', 'no-such-session', '--teachers', '2');
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/school 100008 \(Readiness: application received\) cannot take ATTENDANCE_RECORDED: /);
    const missing = await pathway('--db', db, 'groups', 'show', 'no-such-group');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('no work group no-such-group');
  });
});
