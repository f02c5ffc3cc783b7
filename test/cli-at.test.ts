/**
 * Every CLI write takes --at (issue 11): the CLI run in this process on a
 * PGlite folder records a 2020/21 Development year with the dates given
 * (applications assess, groups add = applications select, schools commit,
 * schedule generate|move|cancel, schools attend and evaluation, cohort
 * transition), each read back from `schools history --json`; ADVANCED carries
 * the transition's date; a bad --at exits 2 naming --at and the rule, and a
 * back-dated event is refused by the machine's backDating rule, exit 2 with
 * the reason. Then the API: POST /cohorts/transition with `at` records it, and
 * a bad `at` is a 400 naming the field.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../cli/main.js';
import { createGroup } from '../service/groups.js';
import { assessEligibility, selectApplication } from '../service/applications.js';
import { recordAttendance, signCommitment, submitEvaluation } from '../service/schools.js';
import { generateGroupSchedule } from '../service/schedule.js';
import { dbTargets } from './helpers/db.js';
import { startApi, secondaryForm, type ApiHarness } from './api-harness.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const form = join(root, 'examples/forms/secondary-development-2020.json');
const URN = '108514';

/** Runs `pathway <args>` in this process; what it printed and its exit code. */
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

interface Entry {
  type: string;
  occurredAt: string;
  data?: Record<string, unknown>;
}

describe('--at on every CLI write (PGlite folder, in process)', { timeout: 240_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pathway-at-'));
  const db = join(dir, 'data');
  const run = (...args: string[]) => pathway('--db', db, ...args);
  const saved = { mailbox: process.env.MAILBOX_DIR, url: process.env.DATABASE_URL, smtp: process.env.SMTP_URL };

  async function history(): Promise<Entry[]> {
    const r = await run('schools', 'history', URN, '--json');
    expect(r.code, r.err).toBe(0);
    return (JSON.parse(r.out) as { entries: Entry[] }).entries;
  }
  /** The time of the last event of `type`, as a UTC instant (the history gives it so). */
  const last = (entries: Entry[], type: string) => {
    const at = entries.filter((e) => e.type === type).at(-1)?.occurredAt;
    return at === undefined ? undefined : new Date(at).toISOString();
  };
  /** An expected London time as the UTC instant it stands for. */
  const utc = (s: string) => new Date(s).toISOString();

  beforeAll(() => {
    process.env.MAILBOX_DIR = join(dir, 'mailbox');
    process.env.DATABASE_URL = '';
    process.env.SMTP_URL = '';
  });
  afterAll(() => {
    for (const [k, v] of [['MAILBOX_DIR', saved.mailbox], ['DATABASE_URL', saved.url], ['SMTP_URL', saved.smtp]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('records a past year with the dates given, each read back from the history; ADVANCED carries the transition date', async () => {
    expect((await run('applications', 'submit', form)).code).toBe(0);
    const created = await run('groups', 'create', '--programme', 'secondary-development-2020-21', '--hub', 'Great North', '--lead-name', 'Ann Lead', '--lead-email', 'ann@example.org', '--id', 'gn-dev-1');
    expect(created.code, created.err).toBe(0);

    // A bare date is noon in London (British Summer Time in July: +01:00).
    const assessed = await run('applications', 'assess', URN, '--criteria', 'ofstedRiOrInadequate', '--at', '2020-07-10');
    expect(assessed.code, assessed.err).toBe(0);
    // The old `groups add` is `applications select --group`, options kept.
    const added = await run('groups', 'add', 'gn-dev-1', URN, '--at', '2020-07-15T10:30');
    expect(added.code, added.err).toBe(0);
    const committed = await run('schools', 'commit', URN, '--signatories', 'headteacher,headOfDepartment,teacher1,teacher2', '--at', '2020-09-02T09:00:00Z');
    expect(committed.code, committed.err).toBe(0);
    const generated = await run('schedule', 'generate', 'gn-dev-1', '--at', '2020-09-03', '--json');
    expect(generated.code, generated.err).toBe(0);
    const sessions = (JSON.parse(generated.out) as { sessions: { id: string; kind: string; at: string }[] }).sessions;
    const meetings = sessions.filter((s) => s.kind === 'meeting');
    expect(meetings.length).toBeGreaterThanOrEqual(4);
    const moved = meetings[0]!;
    const movedTo = moved.at.replace(/T\d\d:\d\d/, 'T14:00');
    const move = await run('schedule', 'move', 'gn-dev-1', moved.id, '--to', movedTo, '--at', '2020-09-20');
    expect(move.code, move.err).toBe(0);

    let h = await history();
    expect(last(h, 'ELIGIBILITY_ASSESSED')).toBe(utc('2020-07-10T12:00:00+01:00'));
    expect(last(h, 'SELECTED')).toBe(utc('2020-07-15T10:30:00+01:00'));
    expect(last(h, 'COMMITMENT_SIGNED')).toBe(utc('2020-09-02T10:00:00+01:00'));
    expect(last(h, 'SCHEDULE_SET')).toBe(utc('2020-09-03T12:00:00+01:00'));
    expect(last(h, 'SESSION_MOVED')).toBe(utc('2020-09-20T12:00:00+01:00'));

    // Every session held (attended, each with --at the day after), then the evaluation.
    const all = sessions.map((s) => (s.id === moved.id ? { ...s, at: movedTo } : s));
    for (const s of all) {
      const day = s.at.slice(0, 10);
      const att = await run('schools', 'attend', URN, s.id, '--teachers', '2', '--headteacher', '--at', `${day}T18:00`);
      expect(att.code, `${s.id}: ${att.err}`).toBe(0);
    }
    const evaluated = await run('schools', 'evaluation', URN, '--summary', 'a good year', '--at', '2021-07-10');
    expect(evaluated.code, evaluated.err).toBe(0);
    h = await history();
    expect(last(h, 'EVALUATION_SUBMITTED')).toBe(utc('2021-07-10T12:00:00+01:00'));

    const moveOn = await run('cohort', 'transition', '--from', '2020/21', '--to', '2021/22', '--at', '2021-08-31', '--json');
    expect(moveOn.code, moveOn.err + moveOn.out).toBe(0);
    expect(JSON.parse(moveOn.out).counts.moved).toBe(1);
    h = await history();
    expect(last(h, 'ADVANCED')).toBe(utc('2021-08-31T12:00:00+01:00'));
  });

  it('schedule cancel records its --at (another school and group, so the first keeps its four meetings)', async () => {
    const f = secondaryForm(1);
    const file = join(dir, 'form-1.json');
    writeFileSync(file, JSON.stringify(f));
    const other = f.school.urn as string;
    expect((await run('applications', 'submit', file)).code).toBe(0);
    expect((await run('groups', 'create', '--programme', 'secondary-development-2020-21', '--hub', 'Great North', '--lead-name', 'Bo Lead', '--lead-email', 'bo@example.org', '--id', 'gn-dev-2')).code).toBe(0);
    expect((await run('applications', 'assess', other, '--criteria', 'ofstedRiOrInadequate', '--at', '2020-07-10')).code).toBe(0);
    const selected = await run('applications', 'select', other, '--group', 'gn-dev-2', '--at', '2020-07-16');
    expect(selected.code, selected.err).toBe(0);
    expect((await run('schools', 'commit', other, '--signatories', 'headteacher,headOfDepartment,teacher1,teacher2', '--at', '2020-09-02')).code).toBe(0);
    const generated = await run('schedule', 'generate', 'gn-dev-2', '--at', '2020-09-03', '--json');
    expect(generated.code, generated.err).toBe(0);
    const first = (JSON.parse(generated.out) as { sessions: { id: string }[] }).sessions[0]!;
    const cancelled = await run('schedule', 'cancel', 'gn-dev-2', first.id, '--reason', 'snow', '--at', '2020-09-21T08:15:00+01:00');
    expect(cancelled.code, cancelled.err).toBe(0);
    const r = await run('schools', 'history', other, '--json');
    const h = (JSON.parse(r.out) as { entries: Entry[] }).entries;
    expect(last(h, 'SELECTED')).toBe(utc('2020-07-16T12:00:00+01:00'));
    expect(last(h, 'SESSION_CANCELLED')).toBe(utc('2020-09-21T08:15:00+01:00'));
  });

  it('a bad --at exits 2 naming --at and the rule, and records nothing', async () => {
    const before = (await history()).length;
    const cases: [string[], RegExp][] = [
      [['schools', 'gap-task', URN, '--task', 't', '--at', '1980-01-01'], /--at must be a date from 1990 to 2100/],
      [['schools', 'gap-task', URN, '--task', 't', '--at', '2021-02-30'], /--at .*February 2021 has 28 days/],
      [['schools', 'gap-task', URN, '--task', 't', '--at', '2021-10-01T09:00:00+15:00'], /--at has offset \+15:00: offsets go from -14:00 to \+14:00/],
      [['schools', 'gap-task', URN, '--task', 't', '--at', 'yesterday'], /--at must be an ISO date-time/],
      [['schools', 'gap-task', URN, '--task', 't', '--at', '2099-01-01'], /--at 2099-01-01 is in the future/],
      [['applications', 'assess', URN, '--at', 'soon'], /--at must be/],
      [['schedule', 'cancel', 'gn-dev-1', 'x', '--reason', 'r', '--at', '1900-01-01'], /--at must be a date from 1990/],
      [['cohort', 'transition', '--from', '2021/22', '--to', '2022/23', '--at', '2021-13-01'], /--at .*no month 13/],
    ];
    for (const [args, message] of cases) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toMatch(message);
    }
    expect((await history()).length).toBe(before);
  });

  it("an event dated in the phase the school has left is refused with the machine's reason (rule backDating), exit 2", async () => {
    const r = await run('schools', 'gap-task', URN, '--task', 'late note', '--at', '2021-03-01');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/falls in Development 2020\/21, which the school left on 2021-07-10 \(completed\).*rule backDating/);
  });
});

describe('POST /cohorts/transition with at', { timeout: 120_000 }, () => {
  let h: ApiHarness;
  const urn = secondaryForm(1).school.urn as string;
  const admin = { id: 'hub-admin', name: 'hub admin', role: 'admin' as const, hubs: [] };

  beforeAll(async () => {
    h = await startApi(dbTargets()[0]!, { start: '2021-09-20T12:00:00Z' });
    const groupId = (await createGroup(h.svc, admin, { programmeId: 'secondary-development-2020-21', hub: 'great-north', lead: { name: 'L', email: 'l@x.example' } })).id;
    const f = secondaryForm(1);
    const submitted = await h.call('POST', '/applications', { as: 'admin', body: f });
    expect(submitted.status, JSON.stringify(submitted.body)).toBeLessThan(300);
    await assessEligibility(h.svc, admin, urn, { eligible: true, criteria: ['ofstedRiOrInadequate'], at: '2020-07-10T10:00:00+01:00' });
    await selectApplication(h.svc, admin, urn, { groupId, at: '2020-07-15T10:00:00+01:00' });
    await signCommitment(h.svc, admin, urn, { signatories: ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'], at: '2020-09-02T10:00:00+01:00' });
    const sched = await generateGroupSchedule(h.svc, admin, groupId, { at: '2020-09-03T10:00:00+01:00' });
    for (const s of sched.sessions) await recordAttendance(h.svc, admin, urn, { sessionId: s.id, teachersPresent: 2, headteacherPresent: true, at: s.at.replace(/T\d\d:\d\d/, 'T18:00') });
    await submitEvaluation(h.svc, admin, urn, { at: '2021-07-10T10:00:00+01:00' });
  });
  afterAll(async () => h?.close());

  it('a bad at is a 400 naming the field; a good one is the date ADVANCED carries', async () => {
    const bad = await h.call('POST', '/cohorts/transition', { as: 'admin', body: { from: '2020/21', to: '2021/22', at: '2021-02-30T09:00:00Z' } });
    expect(bad.status).toBe(400);
    expect(bad.body.problems).toEqual([expect.objectContaining({ path: 'at', message: expect.stringContaining('February 2021 has 28 days') })]);
    const future = await h.call('POST', '/cohorts/transition', { as: 'admin', body: { from: '2020/21', to: '2021/22', at: '2021-12-01T09:00:00Z' } });
    expect(future.status).toBe(400);
    expect(future.body.problems).toEqual([expect.objectContaining({ path: 'at', message: expect.stringContaining('must not be in the future') })]);

    const r = await h.call('POST', '/cohorts/transition', { as: 'admin', body: { from: '2020/21', to: '2021/22', at: '2021-08-31T09:00:00+01:00' } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.counts.moved).toBe(1);
    const history = await h.engine.history(urn);
    expect(history.entries.at(-1)!.type).toBe('ADVANCED');
    expect(new Date(history.entries.at(-1)!.occurredAt).toISOString()).toBe('2021-08-31T08:00:00.000Z');
  });
});
