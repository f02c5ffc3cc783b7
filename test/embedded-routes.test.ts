/**
 * Whole routes through the embedded host, year after year, with the timers
 * fired by `tick` on a simulated clock: a primary school from the TRG pilot
 * (2018/19) through Readiness (2020/21), Development (2021/22, £1000 paid
 * once), Embedding and Sustaining; a secondary school's Development year
 * 2020/21 (at least four meetings November to July, £2000 once). Reminders
 * land in sent_messages and in the mailbox folder. PGlite and Postgres.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { createEmbeddedEngine, type EmbeddedEngine } from '../host/embedded.js';
import { SimulatedClock } from '../host/clock.js';
import { programmeFor } from '../domain/catalogue/programmes.js';
import { generateSchedule, type GeneratedSession } from '../domain/calendar/index.js';
import type { Programme } from '../domain/catalogue/schema.js';
import { EventRejectedError } from '../domain/errors.js';
import type { Store } from '../store/index.js';
import type { Db } from '../store/db.js';
import { mailboxFileOf } from '../activities/mail/mailer.js';
import { dbTargets, useTestDb } from './helpers/db.js';

const HUB = 'East Midlands East';
const actor = 'hub-ops';

function storeOf(db: Db): Store {
  return { db, migrations: { applied: [], skipped: [] } as unknown as Store['migrations'], describe: () => db.describe(), close: async () => undefined };
}

const london = (date: string, time = '12:00') => DateTime.fromISO(`${date}T${time}`, { zone: 'Europe/London' }).toISO({ suppressMilliseconds: true })!;
const laterSameDay = (instant: string) => DateTime.fromISO(instant, { setZone: true }).plus({ hours: 4 }).toISO({ suppressMilliseconds: true })!;

function programme(route: 'primary' | 'secondary', phase: Programme['phase'], year: string): Programme {
  const p = programmeFor(route, phase, year);
  if (!p) throw new Error(`no ${route} ${phase} ${year} in the catalogue`);
  return p;
}

/** Reminders the machine should send for a schedule set at `setAt`: 14 and 2 days before each session, if still ahead. */
function expectedReminders(sessions: GeneratedSession[], setAt: string): number {
  let n = 0;
  for (const s of sessions) {
    for (const d of [14, 2]) if (DateTime.fromISO(s.at, { setZone: true }).minus({ days: d }) > DateTime.fromISO(setAt, { setZone: true })) n++;
  }
  return n;
}

interface YearOptions {
  commitOn: string;
  scheduleOn: string;
  evaluateOn: string;
  /** Called after each session's attendance, with the number of counted sessions held so far. */
  afterSession?: (s: GeneratedSession, counted: number) => Promise<void>;
}

/**
 * One active year: commitment, the calendar's schedule, and for each session
 * a tick up to it (its reminders fire) and the attendance; then the
 * evaluation. Returns the sessions and how many reminders should have gone.
 */
async function activeYear(engine: EmbeddedEngine, urn: string, p: Programme, o: YearOptions): Promise<{ sessions: GeneratedSession[]; reminders: number }> {
  await engine.send(urn, { type: 'COMMITMENT_SIGNED', at: london(o.commitOn), signatories: p.signatories }, { actor });
  const sessions = generateSchedule(p, p.academicYear);
  const setAt = london(o.scheduleOn);
  await engine.send(urn, { type: 'SCHEDULE_SET', at: setAt, sessions }, { actor });
  let counted = 0;
  for (const s of sessions) {
    const at = laterSameDay(s.at);
    await engine.tick(at);
    await engine.send(urn, { type: 'ATTENDANCE_RECORDED', at, sessionId: s.id, teachersPresent: 2, headteacherPresent: true }, { actor });
    if (s.kind === 'meeting' || s.kind === 'workshop') counted++;
    await o.afterSession?.(s, counted);
  }
  await engine.tick(london(o.evaluateOn, '11:00'));
  await engine.send(urn, { type: 'EVALUATION_SUBMITTED', at: london(o.evaluateOn), summary: `evaluation of ${p.name}` }, { actor });
  return { sessions, reminders: expectedReminders(sessions, setAt) };
}

async function ledgerRows(db: Db, urn: string) {
  return (await db.query<{ programme_id: string; academic_year: string; amount_pence: number; key: string }>('SELECT programme_id, academic_year, amount_pence, key FROM funding_ledger WHERE urn = $1 ORDER BY id', [urn])).rows;
}

async function reminderRows(db: Db, urn: string) {
  return (await db.query<{ key: string; template: string; recipients: string[]; transport: string; sent_at: string }>(
    "SELECT key, template, recipients, transport, sent_at FROM sent_messages WHERE urn = $1 AND template IN ('session-reminder', 'first-workshop-reminder') ORDER BY sent_at, key",
    [urn],
  )).rows;
}

describe.each(dbTargets())('embedded host: whole routes on $name', (target) => {
  const t = useTestDb(target);
  let engine: EmbeddedEngine;
  let mailbox: string;

  // Each route has its own school clock from 2018: a clock left in 2025 by the first would make the second's 2020 reminders late (and skipped).
  beforeEach(async () => {
    mailbox = mkdtempSync(join(tmpdir(), 'pathway-routes-mail-'));
    engine = await createEmbeddedEngine({ store: storeOf(t.db), clock: new SimulatedClock('2018-09-01T00:00:00Z'), mailbox });
  });
  afterEach(async () => {
    await engine?.close();
    rmSync(mailbox, { recursive: true, force: true });
  });

  it('takes a primary school from the TRG pilot through Readiness, Development (£1000 once), Embedding and Sustaining', async () => {
    const urn = '122657';
    const school = { name: 'Hollybrook Primary School', route: 'primary' as const, hub: HUB, headteacher: { name: 'Sarah Whitfield', email: 'head@hollybrook.example' } };
    const teachers = [
      { name: 'Tom Bradley', email: 't.bradley@hollybrook.example', role: 'mathsLead' },
      { name: 'Nadia Kowalski', email: 'n.kowalski@hollybrook.example', role: 'teacher' },
    ];
    let reminders = 0;

    // TRG pilot 2018/19: applications close 6 March 2019, schools told 22 March.
    const trg = programme('primary', 'trg', '2018/19');
    await engine.send(urn, { type: 'APPLY', at: london('2019-02-20'), programme: trg, school, teachers }, { actor });
    await engine.send(urn, { type: 'ELIGIBILITY_ASSESSED', at: london('2019-03-12'), eligible: true }, { actor });
    await engine.send(urn, { type: 'SELECTED', at: london('2019-03-22'), groupId: 'emeast-trg-1', groupSize: 3 }, { actor });
    reminders += (await activeYear(engine, urn, trg, { commitOn: '2019-03-25', scheduleOn: '2019-03-26', evaluateOn: '2019-07-15' })).reminders;
    expect((await engine.state(urn)).summary).toMatchObject({ phase: 'trg', status: 'completed', academicYear: '2018/19' });

    // Readiness 2020/21, from the summer term 2020; the headteacher is asked to the first workshop.
    await engine.tick('2020-03-19');
    const readiness = programme('primary', 'readiness', '2020/21');
    await engine.send(urn, { type: 'ADVANCED', at: london('2020-03-20'), programme: readiness }, { actor });
    // Its Readiness Lead and the action plan on the 5 Big Ideas (002), on which it is judged Mastery Ready at the end.
    await engine.send(urn, { type: 'LEADER_ALLOCATED', at: london('2020-03-21'), leader: { id: 'helen-ashworth', name: 'Helen Ashworth', role: 'readinessLead' }, load: 1 }, { actor });
    const aims = { coherence: 'small steps', representationAndStructure: 'bar models', mathematicalThinking: 'reasoning', fluency: 'number facts', variation: 'varied practice' };
    await engine.send(urn, { type: 'ACTION_PLAN_CREATED', at: london('2020-03-21', '11:00'), aims }, { actor });
    const r = await activeYear(engine, urn, readiness, { commitOn: '2020-03-25', scheduleOn: '2020-03-26', evaluateOn: '2021-07-12' });
    reminders += r.reminders;
    expect(r.sessions[0]!.at.startsWith('2020-04') || r.sessions[0]!.at.startsWith('2020-05')).toBe(true);
    const afterReadiness = (await engine.state(urn)).summary;
    expect(afterReadiness).toMatchObject({ phase: 'readiness', status: 'completed', masteryReady: true, fundingPaidPence: 0 });
    expect(await ledgerRows(t.db, urn)).toEqual([]);
    await engine.send(urn, { type: 'MASTERY_READY_JUDGED', at: london('2021-07-12', '16:00'), ready: true }, { actor });

    // Development 2021/22: £1000 once the commitment is signed and the first meeting held, and never again.
    const development = programme('primary', 'development', '2021/22');
    await engine.send(urn, { type: 'ADVANCED', at: london('2021-08-25'), programme: development }, { actor });
    let paidAfterFirst = false;
    reminders += (await activeYear(engine, urn, development, {
      commitOn: '2021-09-01',
      scheduleOn: '2021-09-02',
      evaluateOn: '2022-07-15',
      afterSession: async (s, counted) => {
        const rows = await ledgerRows(t.db, urn);
        if (counted === 0) expect(rows).toEqual([]);
        else {
          expect(rows.map((x) => [x.programme_id, x.academic_year, x.amount_pence])).toEqual([['primary-development-2021-22', '2021/22', 100_000]]);
          paidAfterFirst = true;
        }
        void s;
      },
    })).reminders;
    expect(paidAfterFirst).toBe(true);
    const afterDevelopment = (await engine.state(urn)).summary;
    expect(afterDevelopment.pastPhases.at(-1)).toEqual({ phase: 'development', academicYear: '2021/22', outcome: 'completed' });

    // Running the grant again (a retried activity) pays nothing more.
    const [row] = await ledgerRows(t.db, urn);
    const again = await engine.activities.releaseFunding({ type: 'funding.release', key: row!.key, urn, programmeId: 'primary-development-2021-22', academicYear: '2021/22', amountPence: 100_000, reason: 'retry' });
    expect(again.paid).toBe(false);

    const embedding = programme('primary', 'embedding', '2022/23');
    await engine.send(urn, { type: 'ADVANCED', at: london('2022-08-25'), programme: embedding }, { actor });
    reminders += (await activeYear(engine, urn, embedding, { commitOn: '2022-09-01', scheduleOn: '2022-09-02', evaluateOn: '2023-07-14' })).reminders;

    const sustaining = programme('primary', 'sustaining', '2023/24');
    await engine.send(urn, { type: 'ADVANCED', at: london('2023-08-25'), programme: sustaining }, { actor });
    reminders += (await activeYear(engine, urn, sustaining, { commitOn: '2023-09-01', scheduleOn: '2023-09-02', evaluateOn: '2024-07-12' })).reminders;
    await engine.tick('2024-08-31');

    const final = (await engine.state(urn)).summary;
    expect(final).toMatchObject({ phase: 'sustaining', status: 'completed', academicYear: '2023/24' });
    expect(final.pastPhases).toEqual([
      { phase: 'trg', academicYear: '2018/19', outcome: 'completed' },
      { phase: 'readiness', academicYear: '2020/21', outcome: 'completed' },
      { phase: 'development', academicYear: '2021/22', outcome: 'completed' },
      { phase: 'embedding', academicYear: '2022/23', outcome: 'completed' },
      { phase: 'sustaining', academicYear: '2023/24', outcome: 'completed' },
    ]);
    // Paid once in the whole route, in 2021/22.
    expect((await ledgerRows(t.db, urn)).map((x) => [x.academic_year, x.amount_pence])).toEqual([['2021/22', 100_000]]);

    // Every reminder the timers called for went out once, on its day, and is in the mailbox.
    const sent = await reminderRows(t.db, urn);
    expect(sent).toHaveLength(reminders);
    const first = sent.filter((m) => m.template === 'first-workshop-reminder');
    expect(first.length).toBe(2); // 14 and 2 days before the first Readiness workshop
    for (const m of first) expect(m.recipients).toContain('head@hollybrook.example');
    for (const m of sent) {
      expect(m.transport).toBe('mailbox');
      expect(readdirSync(mailbox)).toContain(mailboxFileOf(m.key));
    }
    const timerEvents = (await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE urn = $1 AND actor = 'timer' AND type = 'REMINDER_DUE'", [urn])).rows[0]!.n;
    expect(timerEvents).toBe(reminders);
    const h = await engine.history(urn);
    expect(h.tampered).toBeNull();
    expect(h.replayMatches).toBe(true);
  });

  it("takes a secondary school through Development 2020/21: at least four meetings November to July, and £2000 once", async () => {
    const urn = '137001';
    const school = {
      name: 'Kingsmead Academy',
      route: 'secondary' as const,
      hub: HUB,
      headteacher: { name: 'Priya Patel', email: 'head@kingsmead.example' },
      headOfDepartment: { name: 'Ben Clarke', email: 'maths.hod@kingsmead.example' },
    };
    const teachers = [
      { name: 'Ben Clarke', email: 'maths.hod@kingsmead.example', role: 'headOfDepartment' },
      { name: 'Zara Khan', email: 'z.khan@kingsmead.example', role: 'aspiringLeader' },
    ];
    const p = programme('secondary', 'development', '2020/21');
    await engine.send(urn, { type: 'APPLY', at: london('2020-07-01'), programme: p, school, teachers }, { actor });
    await engine.send(urn, { type: 'ELIGIBILITY_ASSESSED', at: london('2020-07-06'), eligible: true }, { actor });
    // Two schools per specialist: a group of three is refused by the rules, two is taken.
    await expect(engine.send(urn, { type: 'SELECTED', at: london('2020-07-10'), groupId: 'emeast-sec-1', groupSize: 3 }, { actor })).rejects.toThrow(/allows up to 2/);
    await engine.send(urn, { type: 'SELECTED', at: london('2020-07-10'), groupId: 'emeast-sec-1', groupSize: 2 }, { actor });
    await engine.send(urn, { type: 'COMMITMENT_SIGNED', at: london('2020-09-07'), signatories: ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'] }, { actor });
    const sessions = generateSchedule(p, '2020/21');
    const meetings = sessions.filter((s) => s.kind === 'meeting');
    expect(meetings.length).toBeGreaterThanOrEqual(4);
    for (const m of meetings) expect(m.at.slice(0, 7) >= '2020-11' && m.at.slice(0, 7) <= '2021-07').toBe(true);
    await engine.send(urn, { type: 'SCHEDULE_SET', at: london('2020-09-08'), sessions }, { actor });

    for (const [i, m] of meetings.entries()) {
      const at = laterSameDay(m.at);
      await engine.tick(at);
      if (i === 3) {
        // Three meetings held: the evaluation is refused, naming the rule.
        const refused = await engine.send(urn, { type: 'EVALUATION_SUBMITTED', at, summary: 'early' }, { actor }).catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(EventRejectedError);
        expect((refused as Error).message).toMatch(/at least 4 meetings/);
      }
      await engine.send(urn, { type: 'ATTENDANCE_RECORDED', at, sessionId: m.id, teachersPresent: 2, headteacherPresent: false }, { actor });
      const rows = await ledgerRows(t.db, urn);
      expect(rows.map((x) => [x.programme_id, x.academic_year, x.amount_pence])).toEqual([['secondary-development-2020-21', '2020/21', 200_000]]);
    }
    expect((await engine.state(urn)).summary).toMatchObject({ phase: 'development', status: 'evaluating', sessionsHeld: meetings.length, sessionsRequired: 4, fundingPaidPence: 200_000 });
    await engine.tick('2021-07-14');
    await engine.send(urn, { type: 'EVALUATION_SUBMITTED', at: london('2021-07-15'), summary: 'done' }, { actor });
    await engine.tick('2021-08-31');
    const s = (await engine.state(urn)).summary;
    expect(s).toMatchObject({ phase: 'development', status: 'completed' });
    expect(s.pastPhases).toEqual([{ phase: 'development', academicYear: '2020/21', outcome: 'completed' }]);
    expect((await ledgerRows(t.db, urn)).length).toBe(1);
    const sent = await reminderRows(t.db, urn);
    expect(sent).toHaveLength(expectedReminders(meetings, london('2020-09-08')));
    for (const m of sent) {
      expect(m.recipients.sort()).toEqual(['maths.hod@kingsmead.example', 'z.khan@kingsmead.example']);
      expect(readdirSync(mailbox)).toContain(mailboxFileOf(m.key));
    }
  });
});
