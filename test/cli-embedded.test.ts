/**
 * The embedded host's command line, run as a user runs it (node
 * bin/pathway.mjs): submit an example form, record events, schools show
 * --json, schools history --at, tick --until, simulate; and each bad input's exit code and
 * one-line message. The whole flow runs on Postgres, and its core (apply,
 * event, status, tick, history --at) in a PGlite folder too, where every
 * command reopens the folder; the bad-input cases, which stop before any
 * data changes, run on Postgres.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateForm } from '../domain/forms/index.js';
import { generateSchedule } from '../domain/calendar/index.js';
import { programmeFor } from '../domain/catalogue/programmes.js';
import { createTestDatabase, dbTargets, type TestDatabase } from './helpers/db.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/pathway.mjs');
const form = join(root, 'examples/forms/primary-readiness-2020.json');
const badForm = join(root, 'examples/forms/bad-readiness.json');
const URN = '122657';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** stderr without the line saying where the data is. */
  errors: string[];
}

function pathway(env: Record<string, string>, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: env.CWD ?? root, env: { ...process.env, NO_COLOR: '1', DATABASE_URL: '', SMTP_URL: '', ...env }, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr, errors: stderr.split('\n').filter((l) => l !== '' && !l.startsWith('pathway: data in ')) });
    });
  });
}

const readiness = programmeFor('primary', 'readiness', '2020/21')!;
const firstWorkshop = generateSchedule(readiness, '2020/21').find((s) => s.kind === 'workshop')!;

const dirs: string[] = [];
const databases: TestDatabase[] = [];
afterAll(async () => {
  for (const d of databases) await d.drop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

describe.each(dbTargets())('pathway CLI on the embedded host, $name', (target) => {
  let db: string;
  let mailbox: string;
  let env: Record<string, string>;
  const run = (...args: string[]) => pathway(env, '--db', db, ...args);
  const full = target.name === 'postgres';

  beforeAll(async () => {
    if (target.name === 'postgres') {
      const d = await createTestDatabase(target);
      databases.push(d);
      db = d.url;
    } else {
      db = join(tempDir('pathway-cli-pglite-'), 'data');
    }
    mailbox = tempDir('pathway-cli-mail-');
    env = { MAILBOX_DIR: mailbox, CWD: tempDir('pathway-cli-cwd-') };
  });

  it('applies the example form, takes events, shows status, ticks the timers and replays the history as of a date', async () => {
    const applied = await run('applications', 'submit', form);
    expect(applied.errors).toEqual([]);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toBe(`Application for primary-readiness-2020-21 recorded: Hollybrook Primary School (URN ${URN}) is now Readiness: application received, version 1.\n  1 email to send.\n`);

    const steps: [string, string, string][] = [
      ['ELIGIBILITY_ASSESSED', '2020-03-27', '{"eligible":true,"criteria":["ofstedRiOrInadequate","highStaffTurnover"]}'],
      ['SELECTED', '2020-03-30', '{"groupId":"emeast-readiness-2020-1","groupSize":4}'],
      ['COMMITMENT_SIGNED', '2020-04-01', '{"signatories":["headteacher","teacher1","teacher2"]}'],
      ['SCHEDULE_SET', '2020-04-02', '{}'],
    ];
    // In the PGlite folder every command reopens the folder (seconds each), so the core only there.
    for (const [type, at, data] of full ? steps : steps.slice(0, 1)) {
      const r = await run('schools', 'event', URN, type, '--at', at, '--data', data, '--actor', 'hub-ops');
      expect(r.errors, type).toEqual([]);
      expect(r.code, type).toBe(0);
      expect(r.stdout).toContain(`recorded ${type} for URN ${URN}`);
    }

    const status = await run('schools', 'show', URN, '--json');
    expect(status.code).toBe(0);
    const st = JSON.parse(status.stdout) as { version: number; summary: { phase: string; status: string; sessionsRequired: number; sessionsHeld: number; groupId: string; upcoming: { what: string; at: string }[] } };
    if (!full) {
      expect(st).toMatchObject({ version: 2, summary: { phase: 'readiness', status: 'eligible', sessionsRequired: 6, sessionsHeld: 0 } });
      const ticked = await run('tick', '--until', '2020-04-30');
      expect(ticked.code).toBe(0);
      expect(ticked.stdout).toMatch(/^fired 0 timers due up to Thu 30 Apr 2020 23:59 \(London\)/);
      const h = JSON.parse((await run('schools', 'history', URN, '--at', '2020-03-21', '--json')).stdout) as { entries: { type: string }[]; stateAt: { status: string }; tampered: unknown };
      expect(h.entries.map((e) => e.type)).toEqual(['APPLY']);
      expect(h.stateAt.status).toBe('applied');
      expect(h.tampered).toBeNull();
      return;
    }
    expect(st.version).toBe(5);
    expect(st.summary).toMatchObject({ phase: 'readiness', status: 'active', sessionsRequired: 6, sessionsHeld: 0, groupId: 'emeast-readiness-2020-1' });
    expect(st.summary.upcoming[0]).toEqual({ at: firstWorkshop.at, what: expect.stringContaining(firstWorkshop.id) });
    {
      const table = await run('schools', 'show', URN);
      expect(table.stdout).toMatch(/workshops\s+0 workshops held; 6 required/);
      expect(table.stdout).toMatch(/Upcoming\nwhen \(London\)\s+what/);
    }

    // Up to the first workshop: its two reminders fire (the first goes to the headteacher too).
    const ticked = await run('tick', '--until', firstWorkshop.at.slice(0, 10));
    expect(ticked.code).toBe(0);
    const fired = Number(/fired (\d+) timers?/.exec(ticked.stdout)?.[1]);
    expect(fired).toBeGreaterThanOrEqual(2);
    expect(readdirSync(mailbox).filter((f) => f.includes('reminder_primary-readiness-2020-21.workshop-01')).length).toBe(2);

    const attended = await run('schools', 'event', URN, 'ATTENDANCE_RECORDED', '--at', `${firstWorkshop.at.slice(0, 10)}T15:00`, '--data', JSON.stringify({ sessionId: firstWorkshop.id, teachersPresent: 2, headteacherPresent: true }));
    expect(attended.code).toBe(0);

    // As of the day after the commitment: the events up to then, and the state then, replayed.
    const before = await run('--wide', 'schools', 'history', URN, '--at', '2020-04-01');
    expect(before.code).toBe(0);
    expect(before.stdout).toMatch(/ver\s+occurred \(London\)\s+event\s+by\s+recorded \(UTC\)\s+machine\s+state after/);
    for (const type of ['APPLY', 'ELIGIBILITY_ASSESSED', 'SELECTED', 'COMMITMENT_SIGNED']) expect(before.stdout).toContain(type);
    expect(before.stdout).not.toContain('SCHEDULE_SET');
    expect(before.stdout).toContain('hub-ops');
    expect(before.stdout).toContain('pathway@');
    expect(before.stdout).toContain('State on 2020-04-01 (replayed): Readiness: taking part');
    expect(before.stdout).toContain('Hash chain: intact');
    const asJson = await run('schools', 'history', URN, '--at', '2020-03-28', '--json');
    const h = JSON.parse(asJson.stdout) as { entries: { type: string; actor: string }[]; stateAt: { status: string }; tampered: unknown; replayMatches: boolean };
    expect(h.entries.map((e) => e.type)).toEqual(['APPLY', 'ELIGIBILITY_ASSESSED']);
    expect(h.stateAt.status).toBe('eligible');
    expect(h.tampered).toBeNull();
    expect(h.replayMatches).toBe(true);
    const all = JSON.parse((await run('schools', 'history', URN, '--json')).stdout) as { entries: { type: string; actor: string }[] };
    expect(all.entries.filter((e) => e.actor === 'timer').length).toBe(fired);
    expect(all.entries.at(-1)!.type).toBe('ATTENDANCE_RECORDED');

    const mermaid = await run('schools', 'history', URN, '--format', 'mermaid');
    expect(mermaid.code).toBe(0);
    expect(mermaid.stdout).toMatch(/^gantt\n/);
    expect(mermaid.stdout).toContain('section readiness 2020/21');
    expect(mermaid.stdout).toMatch(/applied :s0, 2020-03-20, 2020-03-27/);
  }, 300_000);
});

describe('pathway CLI: bad input and faults', () => {
  let env: Record<string, string>;
  let db: string;
  const run = (...args: string[]) => pathway(env, '--db', db, ...args);

  beforeAll(async () => {
    const d = await createTestDatabase(dbTargets()[1]!);
    databases.push(d);
    db = d.url;
    env = { MAILBOX_DIR: tempDir('pathway-cli-bad-mail-'), CWD: tempDir('pathway-cli-bad-cwd-') };
    const applied = await run('applications', 'submit', form);
    expect(applied.code).toBe(0);
  });

  /** Exit 2 (or `code`), nothing on stdout, and one line on stderr that says what and why. */
  function expectOneLine(r: Run, pattern: RegExp, code = 2): void {
    expect(r.code).toBe(code);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(pattern);
  }

  it('an invalid form: exit 2, every problem listed', async () => {
    const r = await run('applications', 'submit', badForm);
    expect(r.code).toBe(2);
    const problems = validateForm(JSON.parse(readFileSync(badForm, 'utf8'))).problems.filter((p) => p.severity === 'error');
    expect(problems.length).toBeGreaterThan(5);
    for (const p of problems) expect(r.stderr).toContain(p.path);
    expect(r.stdout).toBe('');
  });

  it('a form that is not JSON, or not there: exit 2, one line', async () => {
    const dir = tempDir('pathway-cli-notjson-');
    const file = join(dir, 'form.json');
    writeFileSync(file, '{"kind": "primary-readiness-2020",');
    expectOneLine(await run('applications', 'submit', file), /form\.json is not valid JSON: line 1/);
    expectOneLine(await run('applications', 'submit', join(dir, 'missing.json')), /cannot read form .*missing\.json: no such file/);
  });

  it('applying twice: exit 2, the state does not take it', async () => {
    expectOneLine(await run('applications', 'submit', form), /school 122657 \(Readiness: application received\) cannot take APPLY: /);
  });

  it('an unknown URN: exit 2, one line', async () => {
    const [status, event, history] = await Promise.all([run('schools', 'show', '999999'), run('schools', 'event', '999999', 'WITHDRAWN', '--data', '{"reason":"x"}'), run('schools', 'history', '999999')]);
    for (const r of [status, event, history]) expectOneLine(r, /no school with URN 999999/);
  });

  it('an event the state does not accept: exit 2, saying why', async () => {
    expectOneLine(await run('schools', 'event', URN, 'EVALUATION_SUBMITTED', '--at', '2020-03-25'), /\(Readiness: application received\) cannot take EVALUATION_SUBMITTED: .*accepted: .*ELIGIBILITY_ASSESSED/);
    expectOneLine(await run('schools', 'event', URN, 'ELIGIBILITY_ASSESSED', '--at', '2020-03-25', '--data', '{"eligible":true,"criteria":["likesMaths"]}'), /eligibility needs at least 1 of: .*ofstedRiOrInadequate.*got likesMaths/);
  });

  it('a stale --expect-version: exit 2, nothing written', async () => {
    expectOneLine(await run('schools', 'event', URN, 'WITHDRAWN', '--at', '2020-03-25', '--data', '{"reason":"x"}', '--expect-version', '7'), /school 122657 is at version 1, not 7/);
    const st = JSON.parse((await run('schools', 'show', URN, '--json')).stdout) as { version: number; summary: { status: string } };
    expect(st).toMatchObject({ version: 1, summary: { status: 'applied' } });
  });

  it('bad JSON, a bad field, an unknown type, a timer-only type, a bad date: exit 2, one line each', async () => {
    const cases: [string[], RegExp][] = [
      [['schools', 'event', URN, 'WITHDRAWN', '--data', '{reason: x}'], /--data is not valid JSON/],
      [['schools', 'event', URN, 'WITHDRAWN', '--data', '["x"]'], /--data must be a JSON object/],
      [['schools', 'event', URN, 'WITHDRAWN', '--at', '2020-03-25', '--data', '{"reason":""}'], /WITHDRAWN is not a valid event: reason/],
      [['schools', 'event', URN, 'GRADUATED'], /unknown event type "GRADUATED"; send one of: APPLY, /],
      [['schools', 'event', URN, 'REMINDER_DUE'], /REMINDER_DUE is sent by the engine's timers/],
      [['schools', 'event', URN, 'WITHDRAWN', '--at', 'yesterday', '--data', '{"reason":"x"}'], /--at must be an ISO date-time/],
      [['schools', 'event', URN, 'WITHDRAWN', '--at', '2099-01-01', '--data', '{"reason":"x"}'], /--at 2099-01-01 is in the future/],
      [['schools', 'event', URN, 'WITHDRAWN', '--at', '2999-01-01', '--data', '{"reason":"x"}'], /--at must be a date from 1990 to 2100 \(got "2999-01-01"\)/],
      [['schools', 'history', URN, '--at', '1 March'], /--at must be a date/],
      [['tick', '--until', 'soon'], /--until must be a date/],
      [['simulate', '--schools', '0', '--years', '2'], /--schools must be a whole number from 1 to 99999 \(got 0\)/],
    ];
    // Two at a time: each is its own process.
    for (let i = 0; i < cases.length; i += 2) {
      const batch = cases.slice(i, i + 2);
      const results = await Promise.all(batch.map(([args]) => run(...args)));
      results.forEach((r, k) => expectOneLine(r, batch[k]![1]));
    }
    // Nothing above changed the school.
    expect(JSON.parse((await run('schools', 'show', URN, '--json')).stdout)).toMatchObject({ version: 1 });
  }, 240_000);

  it('an unreachable database: exit 1, one line naming it and how to fix it', async () => {
    const r = await pathway(env, '--db', 'postgres://pathway@127.0.0.1:1/nowhere', 'schools', 'show', URN);
    expectOneLine(r, /cannot use Postgres at 127\.0\.0\.1:1\/nowhere.*ECONNREFUSED.*Start Postgres/, 1);
    const viaEnv = await pathway({ ...env, DATABASE_URL: 'postgres://pathway@127.0.0.1:1/nowhere' }, 'tick', '--until', '2020-01-01');
    expectOneLine(viaEnv, /cannot use Postgres at 127\.0\.0\.1:1\/nowhere/, 1);
  });
});

describe('pathway simulate', () => {
  it('runs 20 schools for 2 years and prints the summary, with progress on stderr', async () => {
    const mailbox = tempDir('pathway-cli-sim-mail-');
    // On Postgres: the same run in PGlite costs about 20 CPU-seconds, and simulations on PGlite are tested in crash-pglite and the bench.
    const d = await createTestDatabase(dbTargets()[1]!);
    databases.push(d);
    const r = await pathway({ MAILBOX_DIR: mailbox, CWD: tempDir('pathway-cli-sim-cwd-') }, '--db', d.url, '--wide', 'simulate', '--schools', '20', '--years', '2', '--seed', '3');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Simulated .* Maths Hub \(seed 3\): 20 schools \(\d+ primary, \d+ secondary\), 2018\/19 to 2019\/20/);
    expect(r.stdout).toMatch(/Schools per phase per academic year\nyear\s+phase\s+schools\s+completed\s+withdrawn\s+deferred\s+declined\s+open or overdue/);
    expect(r.stdout).toMatch(/2018\/19\s+(trg|development)\s+\d+/);
    expect(r.stdout).toMatch(/2019\/20\s+readiness\s+\d+/);
    expect(r.stdout).toMatch(/Money paid \(funding ledger\)/);
    expect(r.stdout).toMatch(/total\s+\d+\s+£[\d,]+/);
    const reminders = Number(/reminders\s+(\d[\d,]*)/.exec(r.stdout)?.[1]?.replace(/,/g, ''));
    expect(reminders).toBeGreaterThan(50);
    expect(r.stdout).toMatch(/escalations\s+\d+/);
    expect(r.stdout).toMatch(/Events recorded: [\d,]+ \([\d,]+ by hub staff, [\d,]+ by timers\)/);
    expect(r.stdout).not.toContain('Refused by the rules');
    // Not a terminal: plain progress lines, ending at 100%.
    expect(r.stderr).toMatch(/simulate: 100% simulated to 2020-08-31/);
    expect(readdirSync(mailbox).length).toBeGreaterThan(reminders);
  }, 120_000);
});
