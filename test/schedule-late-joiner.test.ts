/**
 * A school selected into a work group after the group's year was planned
 * (a late joiner) gets the group's dates as its fellow members hold them:
 * moved dates as moved, cancelled ones left out, so it has reminders and a
 * dates email like them. Its email tells the dates to come apart from the
 * ones already past, and its calendar file holds only those to come. The
 * dates held before it joined are not its own: once it has signed and the
 * timers have fired, the hub lead is told of no attendance missing there,
 * the board does not list it overdue, and it needs only the meetings it can
 * still attend; its fellow member, whose attendance at them was never
 * recorded, is overdue until it withdraws. On PGlite and Postgres.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from './helpers/db.js';
import { HUB_A, secondaryForm, startApi, type ApiHarness } from './api-harness.js';
import type { Principal } from '../service/context.js';
import { assessEligibility, selectApplication, submitApplication } from '../service/applications.js';
import { createGroup } from '../service/groups.js';
import { signCommitment, withdrawSchool } from '../service/schools.js';
import { hubBoard } from '../service/board.js';
import { sessionView } from '../service/group-view.js';
import { describeEvent } from '../service/event-words.js';
import { cancelGroupSession, generateGroupSchedule, joinedDatesWords, moveGroupSession } from '../service/schedule.js';
import type { PersistedPathway } from '../machines/decide.js';
import { outboxFor } from '../store/outbox.js';
import { groupSessions, placesOf } from '../store/ops/groups.js';
import { RefusedError } from '../service/errors.js';
import { renderMessage } from '../activities/mail/render.js';

const root: Principal = { id: 'fixture', name: 'fixture maker', role: 'admin', hubs: [] };
const SIGNATORIES = ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'] as const;

describe.each(dbTargets())('a late joiner gets its group’s dates ($name)', (target) => {
  let h: ApiHarness;
  let group = '';
  const first = secondaryForm(1);
  const late = secondaryForm(2);
  
  async function applyAndAssess(form: Record<string, any>) {
    await submitApplication(h.svc, root, form);
    await assessEligibility(h.svc, root, form.school.urn, { eligible: true });
  }
  const sessionsOf = async (urn: string) => ((await h.svc.engine.state(urn)).snapshot as PersistedPathway).context.sessions;

  beforeAll(async () => {
    h = await startApi(target, { start: '2020-07-10T12:00:00Z' });
    await applyAndAssess(first);
    await applyAndAssess(late);
    group = (await createGroup(h.svc, root, { programmeId: 'secondary-development-2020-21', hub: HUB_A, lead: { name: 'L', email: 'l@a.example' } })).id;
    const joined = await selectApplication(h.svc, root, first.school.urn, { groupId: group });
    // Before the group's year is planned there are no dates to give.
    expect(joined.dates).toEqual({ sessions: 0, alreadyHeld: 0 });
    expect(joinedDatesWords(joined.dates)).toBe('');
    await signCommitment(h.svc, root, first.school.urn, { signatories: [...SIGNATORIES] });
  });
  afterAll(async () => h?.close());

  it('is given every date the group holds, moved and cancelled ones as they stand, with those already past counted', async () => {
    const planned = await generateGroupSchedule(h.svc, root, group, {});
    const dates = planned.sessions.filter((s) => s.kind === 'meeting' || s.kind === 'workshop');
    expect(dates.length).toBeGreaterThan(3);
    // Move a later date and cancel a visit, then let two dates pass before the second school joins.
    const later = dates[dates.length - 1]!;
    const movedTo = new Date(Date.parse(later.at) - 7 * 86_400_000).toISOString();
    await moveGroupSession(h.svc, root, group, later.id, { to: movedTo });
    const visit = planned.sessions.find((s) => s.kind === 'visit');
    if (visit) await cancelGroupSession(h.svc, root, group, visit.id, { reason: 'lead unwell' });
    h.clock.advanceTo(new Date(Date.parse(dates[1]!.at) + 86_400_000).toISOString());

    const joined = await selectApplication(h.svc, root, late.school.urn, { groupId: group });
    const mine = await sessionsOf(late.school.urn);
    const theirs = (await sessionsOf(first.school.urn)).filter((s) => s.status !== 'cancelled');
    expect(mine.map((s) => [s.id, s.at])).toEqual(theirs.map((s) => [s.id, s.at]));
    expect(mine.find((s) => s.id === later.id)!.at).toBe(theirs.find((s) => s.id === later.id)!.at);
    if (visit) expect(mine.some((s) => s.id === visit.id)).toBe(false);
    expect(joined.dates).toMatchObject({ sessions: theirs.length, alreadyHeld: 2 });
    expect(joined.version).toBe((await h.svc.engine.state(late.school.urn)).version);
    expect(joinedDatesWords(joined.dates)).toBe(`It has the group’s ${theirs.length} dates, and its headteacher and teachers are sent them. 2 of them had already taken place, before it joined: no attendance is expected from it at those.`);

    // Its "selected" email says the dates follow (they are set); the first school's, selected before they were, says they will come.
    const selectedMail = async (urn: string) => (await h.svc.db.query<{ body: string }>("SELECT body FROM sent_messages WHERE urn = $1 AND template = 'selected'", [urn])).rows.map((r) => r.body).join('\n');
    expect(await selectedMail(late.school.urn)).toContain("2. The Work Group’s dates are set: they follow in a separate email, with a calendar file.");
    expect(await selectedMail(first.school.urn)).toContain("2. Once the Work Group’s dates are set, we will send them all in one email");

    // Its dates email: the ones to come in the list and the calendar file, the two past ones apart.
    const outbox = await outboxFor(h.svc.db, late.school.urn);
    const announced = outbox.map((x) => x.payload as { template?: string; data?: Record<string, any> }).find((x) => x.template === 'schedule-announced');
    expect(announced, 'a dates email for the late joiner').toBeDefined();
    const mail = renderMessage({ template: 'schedule-announced', urn: late.school.urn, data: announced!.data! });
    expect(mail.subject).toMatch(new RegExp(`your ${theirs.length - 2} remaining dates`));
    expect(mail.text).toContain('The school joined the work group after 2 of its dates had taken place');
    expect(mail.text).toMatch(/catch up on them/);
    expect((mail.ics?.content ?? '').match(/BEGIN:VEVENT/g)?.length).toBe(theirs.length - 2);
  });

  it('is reminded of the dates to come only: no reminder about a date that passed before it joined', async () => {
    const c = ((await h.svc.engine.state(late.school.urn)).snapshot as PersistedPathway).context;
    const joinedAt = Date.parse(h.clock.now());
    const reminded = new Set(Object.keys(c.timers).filter((k) => k.startsWith('reminder:')).map((k) => k.split(':')[1]));
    const ahead = c.sessions.filter((s) => Date.parse(s.at) - 2 * 86_400_000 > joinedAt).map((s) => s.id);
    const past = c.sessions.filter((s) => Date.parse(s.at) <= joinedAt).map((s) => s.id);
    expect(past.length).toBe(2);
    for (const id of ahead) expect(reminded.has(id), `a reminder for ${id}`).toBe(true);
    for (const id of past) expect(reminded.has(id), `no reminder for ${id}, already past`).toBe(false);
  });

  /** The templates of the escalations to the hub lead in a school's outbox. */
  const toHubLead = async (urn: string) =>
    (await outboxFor(h.svc.db, urn)).map((x) => x.payload as { template?: string; to?: string[]; data?: Record<string, any> }).filter((x) => x.to?.includes('hubLead')).map((x) => `${x.template} ${x.data?.session ?? ''}`.trim());
  const overdueOnBoard = async () => (await hubBoard(h.svc, root, HUB_A, {})).overdue.schools.map((s) => s.urn);

  it('is not chased for the dates held before it joined: no "attendance not recorded" to the hub lead, not overdue, needs only what it can attend', async () => {
    await signCommitment(h.svc, root, late.school.urn, { signatories: [...SIGNATORIES] });
    // Every timer due by now fires: the checks of the two dates already held, for whichever school holds one.
    await h.engine.tick(h.clock.now());
    const c = ((await h.svc.engine.state(late.school.urn)).snapshot as PersistedPathway).context;
    const past = c.sessions.filter((s) => Date.parse(s.at) <= Date.parse(h.clock.now()));
    expect(past.length).toBe(2);

    // The first school, in the group all along with nothing recorded, is chased for both; the late joiner for neither.
    expect(await toHubLead(first.school.urn)).toEqual(past.map((s) => `attendance-missing ${s.id}`));
    expect(await toHubLead(late.school.urn)).toEqual([]);
    expect(past.map((s) => s.status)).toEqual(['beforeJoining', 'beforeJoining']);
    const summary = (await h.svc.engine.state(late.school.urn)).summary;
    expect(summary).toMatchObject({ status: 'active', overdue: false, sessionsHeld: 0 });
    const counted = c.sessions.filter((s) => (s.kind === 'meeting' || s.kind === 'workshop') && s.status === 'scheduled').length;
    expect(summary.sessionsRequired).toBe(Math.min((await h.svc.engine.state(first.school.urn)).summary.sessionsRequired, counted));
    expect(await overdueOnBoard()).toEqual([first.school.urn]);
    // The session's page names it as joined after the session, not among the schools whose attendance is due.
    const { session } = await sessionView(h.svc, root, group, past[0]!.id);
    expect(session.joinedAfter.map((s) => s.urn)).toEqual([late.school.urn]);
    expect(session.schools.map((s) => s.urn)).toEqual([first.school.urn]);
    // Its page's upcoming list (as the API gives it) has nothing to record, only the dates to come.
    const shown = await h.call('GET', `/schools/${late.school.urn}`, { as: 'admin' });
    expect(shown.status).toBe(200);
    expect(shown.body.upcoming.length).toBeGreaterThan(0);
    expect(JSON.stringify(shown.body.upcoming)).not.toMatch(/attendance to record/);
  });

  it('no longer counts a school overdue for attendance never recorded once it has withdrawn', async () => {
    expect(await overdueOnBoard()).toContain(first.school.urn);
    await withdrawSchool(h.svc, root, first.school.urn, { reason: 'the maths lead has left' });
    expect((await h.svc.engine.state(first.school.urn)).summary).toMatchObject({ status: 'withdrawn', overdue: false });
    expect(await overdueOnBoard()).toEqual([]);
    // The weekly digest reads the same flag.
    expect((await h.svc.engine.schools({ overdue: true })).map((s) => s.urn)).toEqual([]);
  });

  it('clears the overdue flag a withdrawn school kept in its stored summary from before the rule (migration 025), and no other', async () => {
    // As a summary written before the rule left them: the withdrawn school and, for contrast, a school taking part.
    const stale = async (urn: string) => h.svc.db.query(`UPDATE streams SET overdue = true, summary = jsonb_set(summary, '{overdue}', 'true'::jsonb) WHERE urn = $1`, [urn]);
    await stale(first.school.urn);
    await stale(late.school.urn);
    expect((await overdueOnBoard()).sort()).toEqual([first.school.urn, late.school.urn].sort());
    await h.svc.db.query(readFileSync(fileURLToPath(new URL('../store/migrations/025_left_schools_not_overdue.sql', import.meta.url)), 'utf8'));
    expect(await overdueOnBoard()).toEqual([late.school.urn]);
    expect((await h.svc.engine.schools({ overdue: true })).map((s) => s.urn)).toEqual([late.school.urn]);
    expect((await h.svc.engine.state(first.school.urn)).summary.overdue).toBe(false);
  });

  it('refuses a place in a group that has held all its meetings of the year, in words, and reserves nothing', async () => {
    const last = secondaryForm(3);
    await applyAndAssess(last);
    const meetings = (await groupSessions(h.svc.db, group, '2020/21')).filter((x) => x.kind === 'meeting' && x.status !== 'cancelled');
    h.clock.advanceTo(new Date(Date.parse(meetings.at(-1)!.at) + 86_400_000).toISOString());
    const before = await h.svc.engine.state(last.school.urn);
    const refused = await selectApplication(h.svc, root, last.school.urn, { groupId: group }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RefusedError);
    expect((refused as Error).message).toMatch(/^.+ has held all its meetings of 2020\/21 \(the last on \w+day \d+ \w+ 2021, [\d.:]+[ap]m\), so a school joining it now could attend none of them; put the school on the waiting list, or choose a group with meetings still to come$/);
    // Nothing changed: the school is still eligible, at the same version, and holds no place.
    const after = await h.svc.engine.state(last.school.urn);
    expect(after.version).toBe(before.version);
    expect(after.summary.status).toBe('eligible');
    expect((await placesOf(h.svc.db, group)).map((x) => x.urn)).not.toContain(last.school.urn);
  });
});

describe('a late joiner’s dates in its history', () => {
  it('say they are the group’s, given on joining late, and an ordinary schedule says nothing of it', () => {
    const sessions = [{ id: 'm1', kind: 'meeting', at: '2020-11-10T09:30:00Z' }];
    expect(describeEvent('SCHEDULE_SET', { sessions, joinedLate: true }, [])).toBe('The year’s dates were set: 1 session; the group’s dates, given on joining it late (those already held are not the school’s to attend)');
    expect(describeEvent('SCHEDULE_SET', { sessions }, [])).toBe('The year’s dates were set: 1 session');
  });
});
