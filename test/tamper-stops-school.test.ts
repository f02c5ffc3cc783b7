/**
 * A tampered history stops its school: the API's school summary carries the
 * flag; every write is refused with the reason (HTTP 423 through the API, the
 * engine's single and batch sends, and the database itself for a raw
 * INSERT), whether or not anyone had read the school since it was changed;
 * until an admin records a signed-off correction (name and reason), after
 * which writes resume and the history shows both the break and the
 * sign-off; a later change is found again. `pathway schools show` and
 * `schools history` exit 1 on a tampered school and the CLI's writes exit 1
 * with the reason. PGlite and Postgres.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { programmeFor } from '../domain/catalogue/programmes.js';
import type { Db } from '../store/db.js';
import { TamperedSchoolError } from '../store/tamper.js';
import { schoolAudit, auditedHistory } from '../service/school-audit.js';
import { dbTargets, postgresTestUrl } from './helpers/db.js';
import { startApi, type ApiHarness } from './api-harness.js';

const trg = programmeFor('primary', 'trg', '2018/19')!;

/** A school of Great North with six events: applied, eligible, selected, committed, two gap tasks. */
async function school(h: ApiHarness, urn: string): Promise<void> {
  await h.engine.sendMany([
    { urn, actor: 'ops', event: { type: 'APPLY', at: '2019-02-20T12:00:00Z', programme: trg, school: { name: `School ${urn}`, route: 'primary', hub: 'Great North', headteacher: { name: 'H', email: `h@${urn}.example` } }, teachers: [{ name: 'A', email: `a@${urn}.example`, role: 'mathsLead' }, { name: 'B', email: `b@${urn}.example`, role: 'teacher' }] } },
    { urn, actor: 'ops', event: { type: 'ELIGIBILITY_ASSESSED', at: '2019-03-10T12:00:00Z', eligible: true } },
    { urn, actor: 'ops', event: { type: 'SELECTED', at: '2019-03-22T12:00:00Z', groupId: 'g1', groupSize: 3 } },
    { urn, actor: 'ops', event: { type: 'COMMITMENT_SIGNED', at: '2019-03-25T12:00:00Z', signatories: ['headteacher', 'teacher1', 'teacher2'] } },
    { urn, actor: 'ops', event: { type: 'GAP_TASK_COMPLETED', at: '2019-04-01T12:00:00+01:00', task: 'bar models in Year 3' } },
    { urn, actor: 'ops', event: { type: 'GAP_TASK_COMPLETED', at: '2019-04-08T12:00:00+01:00', task: 'fluency starters' } },
  ]);
}

/** Changes a stored event with the append-only trigger off, as only the table's owner could. */
async function tamper(db: Db, urn: string, version: number, task = 'a task never done'): Promise<void> {
  await db.tx(async (tx) => {
    await tx.query('ALTER TABLE events DISABLE TRIGGER events_append_only');
    await tx.query("UPDATE events SET payload = jsonb_set(payload, '{task}', to_jsonb($3::text)) WHERE urn = $1 AND version = $2", [urn, version, task]);
    await tx.query('ALTER TABLE events ENABLE TRIGGER events_append_only');
  });
}

const eventCount = async (db: Db, urn: string) => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM events WHERE urn = $1', [urn])).rows[0]!.n);
const gapTask = (task: string) => ({ task, at: '2019-05-01T12:00:00+01:00' });

describe.each(dbTargets())('a tampered history stops the school on $name', (target) => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApi(target, { start: '2019-06-01T09:00:00Z' });
    await school(h, '500001');
    await school(h, '500002');
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  it('an untampered school says so and takes writes', async () => {
    const r = await h.call('GET', '/schools/500002', { as: 'staffA' });
    expect(r.status).toBe(200);
    expect(r.body.tampered).toBeNull();
    expect((await h.call('POST', '/schools/500002/gap-tasks', { as: 'staffA', body: gapTask('number bonds') })).status).toBe(200);
  });

  it('refuses the first write after a change nobody has read yet (423 with the reason), and flags the summary', async () => {
    await tamper(h.svc.db, '500001', 5);
    const before = await eventCount(h.svc.db, '500001');
    const w = await h.call('POST', '/schools/500001/gap-tasks', { as: 'staffA', body: gapTask('times tables') });
    expect(w.status).toBe(423);
    expect(w.body.atVersion).toBe(5);
    expect(w.body.reason).toMatch(/version 5 \(GAP_TASK_COMPLETED\) was changed after it was recorded/);
    expect(w.body.error).toMatch(/school 500001 is stopped: .* until an admin signs off a correction/);
    expect(await eventCount(h.svc.db, '500001')).toBe(before);
    const s = await h.call('GET', '/schools/500001', { as: 'auditorA' });
    expect(s.status).toBe(200);
    expect(s.body.tampered).toEqual({ atVersion: 5, reason: expect.stringMatching(/version 5 \(GAP_TASK_COMPLETED\) was changed/) });
  });

  it('refuses the batch host, the timer path and a raw INSERT too: the database holds the stop', async () => {
    const event = { type: 'GAP_TASK_COMPLETED' as const, at: '2019-05-02T12:00:00+01:00', task: 'x' };
    await expect(h.engine.sendMany([{ urn: '500001', actor: 'ops', event }])).rejects.toBeInstanceOf(TamperedSchoolError);
    // As the timer scheduler sends (skip): the stopped school is left out and said why; the other school goes on.
    const r = await h.engine.sendMany([{ urn: '500001', actor: 'timer', event }, { urn: '500002', actor: 'timer', event }], { onRejected: 'skip' });
    expect(r.sent).toBe(1);
    expect(r.rejected).toEqual([{ index: 0, error: expect.objectContaining({ why: expect.stringMatching(/school 500001 is stopped/) }) }]);
    const head = (await h.svc.db.query<{ version: number; hash: string }>('SELECT version, hash FROM events WHERE urn = $1 ORDER BY version DESC LIMIT 1', ['500001'])).rows[0]!;
    await expect(
      h.svc.db.query(
        `INSERT INTO events (urn, version, type, payload, occurred_at, actor, machine_version, state, prev_hash, hash)
         VALUES ($1, $2, 'GAP_TASK_COMPLETED', '{}', now(), 'sql', 'x', '{}', $3, $4)`,
        ['500001', head.version + 1, head.hash, 'f'.repeat(64)],
      ),
    ).rejects.toThrow(/school 500001 is stopped: its history was tampered with at version 5/);
  });

  it('only an admin signs off, with a reason; then writes resume and the history shows the break and the sign-off', async () => {
    expect((await h.call('POST', '/schools/500001/tamper-sign-off', { as: 'staffA', body: { reason: 'restored from the backup of 1 May' } })).status).toBe(403);
    expect((await h.call('POST', '/schools/500001/tamper-sign-off', { as: 'auditorA', body: { reason: 'restored from the backup of 1 May' } })).status).toBe(403);
    const short = await h.call('POST', '/schools/500001/tamper-sign-off', { as: 'admin', body: { reason: 'ok' } });
    expect(short.status).toBe(400);
    expect(short.body.problems[0]).toMatchObject({ path: 'reason' });
    const ok = await h.call('POST', '/schools/500001/tamper-sign-off', { as: 'admin', body: { reason: 'the gap task was retyped by hand; the original is in the hub minutes of 1 May' } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ urn: '500001', atVersion: 5, signedByName: 'Ada Admin', reason: 'the gap task was retyped by hand; the original is in the hub minutes of 1 May' });
    expect((await h.call('POST', '/schools/500001/tamper-sign-off', { as: 'admin', body: { reason: 'a second time for nothing' } })).status).toBe(422);

    expect((await h.call('GET', '/schools/500001', { as: 'staffA' })).body.tampered).toBeNull();
    expect((await h.call('POST', '/schools/500001/gap-tasks', { as: 'staffA', body: gapTask('times tables') })).status).toBe(200);

    const hist = await h.call('GET', '/schools/500001/history', { as: 'auditorA' });
    expect(hist.body.tampered).toBeNull();
    expect(hist.body.signedOff).toEqual([expect.objectContaining({ atVersion: 5, finding: expect.stringMatching(/version 5 .* was changed/), signedByName: 'Ada Admin' })]);
    // The changed event is still shown as it now reads.
    expect(hist.body.entries[4].payload.task).toBe('a task never done');
    const audit = await schoolAudit(h.svc, h.principals.auditorA, '500001');
    expect(audit.verdict.intact).toBe(false);
    expect(audit.verdict.headline).toMatch(/altered, and an admin signed it off: event 5 does not match .*Ada Admin signed it off on \d{4}-\d{2}-\d{2}/);
    expect(audit.entries.at(-1)).toMatchObject({ kind: 'sign-off', who: 'Ada Admin' });
  });

  it('finds a later change again, past the signed-off one, and stops the school again', async () => {
    const last = await eventCount(h.svc.db, '500001');
    await tamper(h.svc.db, '500001', last, 'changed after the sign-off');
    const full = await auditedHistory(h.svc, h.principals.admin, '500001');
    expect(full.tampered).toEqual({ version: last, reason: expect.stringMatching(new RegExp(`version ${last} \\(GAP_TASK_COMPLETED\\) was changed`)) });
    expect(full.signedOff).toHaveLength(1);
    expect((await h.call('POST', '/schools/500001/gap-tasks', { as: 'staffA', body: gapTask('again') })).status).toBe(423);
  });

  it('finds a change to a school it had just checked intact (the check of an unchanged stream is cached, a changed row never is)', async () => {
    expect((await h.call('GET', '/schools/500002', { as: 'staffA' })).body.tampered).toBeNull();
    expect((await h.call('GET', '/schools/500002', { as: 'staffA' })).body.tampered).toBeNull();
    await tamper(h.svc.db, '500002', 2, 'not a task at all');
    expect((await h.call('GET', '/schools/500002', { as: 'staffA' })).body.tampered).toMatchObject({ atVersion: 2 });
  });

  it('`pathway schools show` and `schools history` exit 1 on a tampered school; a CLI write exits 1 with the reason', async () => {
    // The CLI opens the database itself: a Postgres database can be shared, a PGlite memory database cannot.
    if (target.name !== 'postgres') return;
    const name = (await h.svc.db.query<{ d: string }>('SELECT current_database() AS d')).rows[0]!.d;
    const url = new URL(postgresTestUrl());
    url.pathname = `/${name}`;
    const run = (...args: string[]) => spawnSync(process.execPath, ['bin/pathway.mjs', '--db', url.toString(), ...args], { encoding: 'utf8', timeout: 120_000 });
    const show = run('schools', 'show', '500001', '--json');
    expect(show.status).toBe(1);
    expect(JSON.parse(show.stdout).tampered).toMatchObject({ atVersion: expect.any(Number) });
    expect(show.stderr).toMatch(/tampered with at version/);
    const hist = run('schools', 'history', '500001');
    expect(hist.status).toBe(1);
    expect(hist.stdout).toMatch(/TAMPER_SIGNED_OFF/);
    expect(hist.stdout).toMatch(/Signed off: the break at version 5/);
    const write = run('schools', 'gap-task', '500001', '--task', 'from the command line');
    expect(write.status).toBe(1);
    expect(write.stderr).toMatch(/school 500001 is stopped: its history was tampered with at version \d+/);
    // The operator at the command line is an admin: the sign-off is recorded with their login, and the school takes writes again.
    expect(run('audit', 'sign-off', '500001', '--reason', 'short').status).toBe(2);
    const signed = run('audit', 'sign-off', '500001', '--reason', 'the later change was a test of the alarm; reverted in the minutes');
    expect(signed.status).toBe(0);
    expect(signed.stdout).toMatch(/^Signed off by \S+ \(cli:\S+\) on .*: the break at version \d+ of URN 500001/);
    expect(run('schools', 'show', '500001').status).toBe(0);
  }, 240_000);
});
