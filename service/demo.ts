/**
 * The demo hub that `npm start` seeds into an empty database: East Midlands
 * East Maths Hub with schools in every phase (a TRG pilot school of 2018/19,
 * Readiness, Development, Embedding and Sustaining this year), applications
 * at every step (applied, eligible and waitlisted, declined with an
 * alternative, withdrawn), a year of meetings, and some overdue items (an
 * evaluation never submitted, attendance not recorded, a headteacher who
 * missed the first workshop).
 *
 * Everything goes through the same service functions as the API and the CLI,
 * with each event dated when it would have happened; before each step the
 * engine's timers due by then are fired, so reminders and escalations happen
 * in order and the history replays as a real one would. The seeding runs on
 * its own simulated clock (a second embedded host over the same store and
 * mailer) that moves with the events, so every reminder and escalation is
 * carried out at its due time, as on a hub that had been running all along:
 * sent, not "not sent: too late" because the seeding happened today. Not
 * pure (engine and database I/O); it reads no clock: `now` is given.
 */
import { DateTime } from 'luxon';
import { EmbeddedEngine } from '../host/embedded.js';
import { SimulatedClock } from '../host/clock.js';
import { transitionCohort } from '../host/cohort.js';
import { LAST_CATALOGUE_YEAR, programmeFor } from '../domain/catalogue/programmes.js';
import type { PhaseKind, Programme, Route, Signatory } from '../domain/catalogue/schema.js';
import { academicYearOf, nextAcademicYear, shiftAcademicYear, startYearOf } from '../domain/calendar/academic-year.js';
import { atLondon, LONDON } from '../domain/calendar/london.js';
import { generateSchedule } from '../domain/calendar/schedule.js';
import { longDate } from '../domain/words/dates.js';
import { kindName } from '../domain/words/kinds.js';
import type { Teacher } from '../machines/events.js';
import type { Principal, Service } from './context.js';
import { createGroup } from './groups.js';
import { assessEligibility, declineApplication, selectApplication, waitlistApplication } from './applications.js';
import { recordAttendance, signCommitment, submitEvaluation, withdrawSchool } from './schools.js';
import { generateGroupSchedule } from './schedule.js';
import { setHubLead } from './users.js';

/**
 * Whether `serve` seeds the demo hub into an empty database: as --demo or
 * --no-demo says; when neither is given, only into the default embedded PGlite
 * folder (neither --db nor DATABASE_URL named one), so that a real Postgres
 * audit log never gets fake schools by accident. Pure.
 */
export function wantsDemo(o: { demo: boolean | undefined; dbIsDefault: boolean; target: string }): boolean {
  if (o.demo !== undefined) return o.demo;
  return o.dbIsDefault && !/^[a-z][a-z0-9+.-]*:\/\//i.test(o.target);
}

/** The demo's hub. */
export const DEMO_HUB = { id: 'east-midlands-east', label: 'East Midlands East' } as const;

/** Who the demo's events are recorded as. */
export const DEMO_ACTOR: Principal = { id: 'demo-seed', name: 'demo seed', role: 'admin', hubs: [] };

export interface DemoSchool {
  urn: string;
  name: string;
  route: Route;
  /** What the demo makes of it, in words (printed at first start). */
  story: string;
}

export interface DemoReport {
  year: string;
  schools: DemoSchool[];
  groups: string[];
  events: number;
}

/** How far the seeding has got: the school date it has reached, and the steps done as a fraction of those known so far. */
export interface DemoProgress {
  at: string;
  fraction: number;
}

interface Step {
  at: string;
  run: () => Promise<unknown>;
}

const SIGNED: Record<Route, Signatory[]> = {
  primary: ['headteacher', 'teacher1', 'teacher2'],
  secondary: ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'],
};

/**
 * Each demo school's own people: headteacher, two lead teachers and, at a
 * secondary school, the head of department (first and last names), so that
 * no two schools of the hub read as the same staff.
 */
const PEOPLE: Record<string, { head: [string, string]; teachers: [[string, string], [string, string]]; hod?: [string, string] }> = {
  '100001': { head: ['Helen', 'Marsh'], teachers: [['Owen', 'Price'], ['Grace', 'Liu']] },
  '100002': { head: ['Daniel', 'Reeve'], hod: ['Fiona', 'Gill'], teachers: [['Kwame', 'Mensah'], ['Laura', 'Finch']] },
  '100003': { head: ['Rachel', 'Dunn'], teachers: [['Ben', 'Carter'], ['Amira', 'Hussain']] },
  '100004': { head: ['Mark', 'Ellison'], hod: ['Claire', 'Robson'], teachers: [['Gareth', 'Milburn'], ['Aisha', 'Rahman']] },
  '100005': { head: ['Sarah', 'Whitfield'], teachers: [['Tom', 'Bradley'], ['Nadia', 'Kowalski']] },
  '100006': { head: ['Joanne', 'Pike'], teachers: [['Sam', 'Okoro'], ['Ellie', 'Walsh']] },
  '100007': { head: ['Peter', 'Lawson'], teachers: [['Maya', 'Singh'], ['Chris', 'Doyle']] },
  '100008': { head: ['Anne', 'Booth'], teachers: [['Ravi', 'Kapoor'], ['Lucy', 'Hart']] },
  '100009': { head: ['Martin', 'Lowes'], teachers: [['Hannah', 'Webb'], ['Joe', 'Fenwick']] },
  '100010': { head: ['Yvonne', 'Clarke'], hod: ['Iain', 'Ross'], teachers: [['Tariq', 'Ali'], ['Beth', 'Morgan']] },
  '100011': { head: ['Catherine', 'Hale'], teachers: [['Paul', 'Green'], ['Zara', 'Ahmed']] },
};

function person(first: string, last: string, domain: string): { name: string; email: string } {
  return { name: `${first} ${last}`, email: `${first[0]!.toLowerCase()}.${last.toLowerCase()}@${domain}` };
}

function plus(instant: string, o: { days?: number; hours?: number }): string {
  return DateTime.fromISO(instant, { setZone: true }).setZone(LONDON).plus(o).toISO({ suppressMilliseconds: true })!;
}

function programme(route: Route, phase: PhaseKind, year: string): Programme {
  const p = programmeFor(route, phase, year);
  if (!p) throw new Error(`demo: the catalogue has no ${route} ${phase} programme for ${year}`);
  return p;
}

/** The year the demo is set in: the current academic year, or the catalogue's last when the clock is past it. Pure. */
export function demoYear(now: string): string {
  const y = academicYearOf(now);
  return startYearOf(y) > startYearOf(LAST_CATALOGUE_YEAR) ? LAST_CATALOGUE_YEAR : y;
}

/**
 * Seeds the demo hub. `now` bounds every event (nothing is dated after it).
 * Run on an empty database only: the URNs and group ids are fixed.
 * `onProgress` hears after each step how far through the hub's years it is
 * (the seeding takes tens of seconds on a first `npm start`). Not pure.
 */
export async function seedDemo(svc0: Service, engine0: EmbeddedEngine, now: string, onProgress?: (p: DemoProgress) => void): Promise<DemoReport> {
  // The demo's own clock: events and timers move it, so each effect is carried out at its school time (see above).
  const clock = new SimulatedClock('2018-09-01T00:00:00Z');
  const engine = new EmbeddedEngine(engine0.store, engine0.mailer, clock, {}, false);
  // Validation ("not in the future") is against the real now; the effects go by the engine's clock.
  const svc: Service = { ...svc0, engine };
  const Y = demoYear(now);
  const Ym1 = shiftAcademicYear(Y, -1);
  const Ym2 = shiftAcademicYear(Y, -2);
  const p = DEMO_ACTOR;
  const schools: DemoSchool[] = [];
  const groups: string[] = [];
  const steps: Step[] = [];
  let events = 0;
  const count = <T>(x: Promise<T>) => x.then((r) => ((events += 1), r));
  const yearStart = (year: string) => atLondon(`${startYearOf(year)}-09-02`, '10:00');
  const beforeNow = (at: string) => Date.parse(at) < Date.parse(now);

  await setHubLead(svc, p, DEMO_HUB.id, { name: 'Priya Shah', email: 'priya.shah@emeast-mathshub.example' });

  /** APPLY straight to the engine: the forms are of 2018-2020, the demo's applications are for any year. */
  const apply = (s: DemoSchool, phase: PhaseKind, year: string, at: string, groupWith: string[] = []) => {
    const domain = `${s.name.toLowerCase().replace(/[^a-z]+/g, '-').replace(/-+$/, '')}.example`;
    const who = PEOPLE[s.urn] ?? { head: ['Sarah', 'Whitfield'], hod: ['Claire', 'Robson'], teachers: [['Tom', 'Bradley'], ['Nadia', 'Kowalski']] };
    const [t1, t2] = who.teachers;
    const teachers: Teacher[] =
      s.route === 'primary'
        ? [{ ...person(...t1, domain), role: 'mathsLead' }, { ...person(...t2, domain), role: 'teacher' }]
        : [{ ...person(...t1, domain), role: 'ks3Lead' }, { ...person(...t2, domain), role: 'nonSpecialist' }];
    return count(
      engine.send(
        s.urn,
        {
          type: 'APPLY',
          at,
          programme: programme(s.route, phase, year),
          school: {
            name: s.name,
            route: s.route,
            hub: DEMO_HUB.label,
            localAuthority: 'Nottinghamshire',
            headteacher: person(...who.head, domain),
            ...(s.route === 'secondary' ? { headOfDepartment: person(...(who.hod ?? ['Claire', 'Robson']), domain) } : {}),
          },
          teachers,
          groupWith,
        },
        { actor: p.id },
      ),
    );
  };
  const eligible = (s: DemoSchool, at: string) =>
    count(assessEligibility(svc, p, s.urn, { eligible: true, criteria: ['ofstedRiOrInadequate', 'highStaffTurnover'], at }));
  const group = async (route: Route, phase: PhaseKind, year: string, suffix: string) => {
    const g = await createGroup(svc, p, {
      programmeId: programme(route, phase, year).id,
      hub: DEMO_HUB.id,
      id: `emeast-${phase}-${startYearOf(year)}-${suffix}`,
      lead: phase === 'readiness' ? person('Helen', 'Ashworth', 'emeast-mathshub.example') : person('David', 'Okafor', 'emeast-mathshub.example'),
    });
    groups.push(g.id);
    return g.id;
  };

  /**
   * One work group's year: commitment and schedule at the start, then each
   * session's attendance (unless `skip` says otherwise), then the evaluation
   * in July when asked. Steps dated after `now` are left out.
   */
  const year = async (o: {
    groupId: string;
    year: string;
    members: DemoSchool[];
    route: Route;
    evaluate: DemoSchool[];
    attendance?: (s: DemoSchool, sessionIndex: number) => { teachers: number; headteacher: boolean } | null;
    /** When the commitment is signed and the schedule set; default 2 September. */
    start?: string;
  }) => {
    const start = o.start ?? yearStart(o.year);
    steps.push({
      at: start,
      run: async () => {
        for (const s of o.members) await count(signCommitment(svc, p, s.urn, { signatories: SIGNED[o.route], at: start }));
        const r = await generateGroupSchedule(svc, p, o.groupId, { academicYear: o.year, place: 'The Minster School, Southwell', at: plus(start, { hours: 1 }) });
        events += r.schools.filter((x) => x.ok).length;
        r.sessions
          .filter((x) => x.kind === 'meeting' || x.kind === 'workshop' || x.kind === 'visit')
          .forEach((session, i) => {
            const at = plus(session.at, { hours: 4 });
            if (!beforeNow(at)) return;
            steps.push({
              at,
              run: async () => {
                for (const s of o.members) {
                  const a = o.attendance ? o.attendance(s, i) : { teachers: 2, headteacher: i === 0 };
                  if (a) await count(recordAttendance(svc, p, s.urn, { sessionId: session.id, teachersPresent: a.teachers, headteacherPresent: a.headteacher, at }));
                }
              },
            });
          });
        const july = atLondon(`${startYearOf(o.year) + 1}-07-15`, '16:00');
        if (o.evaluate.length && beforeNow(july)) {
          steps.push({ at: july, run: async () => { for (const s of o.evaluate) await count(submitEvaluation(svc, p, s.urn, { summary: 'Evaluation returned to the hub.', at: july })); } });
        }
      },
    });
  };

  const school = (urn: string, name: string, route: Route, story: string): DemoSchool => {
    const s = { urn, name, route, story };
    schools.push(s);
    return s;
  };

  /** A step at `at` (each step's events all fall at or just after it, so the demo's clock never runs ahead of a timer due). */
  const on = (at: string, run: () => Promise<unknown>) => steps.push({ at, run });

  // --- A TRG pilot school of 2018/19 (seed 004): the only year the pilot ran.
  const trg = school('100001', 'Sherwood Vale Primary School', 'primary', 'took part in the 2018/19 TRG pilot and completed it');
  const trgGroup = await group('primary', 'trg', '2018/19', '1');
  steps.push({ at: atLondon('2019-02-20', '10:00'), run: () => apply(trg, 'trg', '2018/19', atLondon('2019-02-20', '10:00')) });
  steps.push({ at: atLondon('2019-03-22', '10:00'), run: async () => { await eligible(trg, atLondon('2019-03-22', '10:00')); await count(selectApplication(svc, p, trg.urn, { groupId: trgGroup, at: atLondon('2019-03-22', '11:00') })); } });
  // The pilot's commitment and meetings come after selection (March 2019), not in September.
  await year({ groupId: trgGroup, year: '2018/19', members: [trg], route: 'primary', evaluate: [trg], start: atLondon('2019-03-25', '10:00') });

  // --- A secondary school from Development (two years ago) to Sustaining (this year).
  const sus = school('100002', 'Minster Hill Academy', 'secondary', `Development ${Ym2}, Embedding ${Ym1}, Sustaining ${Y}`);
  const susGroup = await group('secondary', 'development', Ym2, '1');
  const applyAt2 = atLondon(`${startYearOf(Ym2)}-06-20`, '10:00');
  on(applyAt2, () => apply(sus, 'development', Ym2, applyAt2));
  on(plus(applyAt2, { days: 7 }), () => eligible(sus, plus(applyAt2, { days: 7 })));
  on(plus(applyAt2, { days: 8 }), () => count(selectApplication(svc, p, sus.urn, { groupId: susGroup, at: plus(applyAt2, { days: 8 }) })));
  await year({ groupId: susGroup, year: Ym2, members: [sus], route: 'secondary', evaluate: [sus] });
  steps.push({ at: atLondon(`${startYearOf(Ym1)}-09-01`, '09:00'), run: () => transitionCohort(engine, { from: Ym2, to: Ym1, groupId: susGroup, dryRun: false, actor: p.id, at: atLondon(`${startYearOf(Ym1)}-09-01`, '09:00') }) });
  await year({ groupId: susGroup, year: Ym1, members: [sus], route: 'secondary', evaluate: [sus] });
  steps.push({ at: atLondon(`${startYearOf(Y)}-09-01`, '09:00'), run: () => transitionCohort(engine, { from: Ym1, to: Y, groupId: susGroup, dryRun: false, actor: p.id, at: atLondon(`${startYearOf(Y)}-09-01`, '09:00') }) });
  await year({ groupId: susGroup, year: Y, members: [sus], route: 'secondary', evaluate: [] });

  // --- Primary Development last year, Embedding this year; and a school that never sent its evaluation.
  const emb = school('100003', 'Oakfield Primary School', 'primary', `Development ${Ym1}, Embedding ${Y}`);
  const late = school('100007', 'Kingsway Primary School', 'primary', `Development ${Ym1}: every meeting attended, evaluation never submitted (overdue)`);
  const devGroup = await group('primary', 'development', Ym1, '1');
  const applyAt1 = atLondon(`${startYearOf(Ym1) - 1}-06-18`, '10:00');
  for (const s of [emb, late]) {
    on(applyAt1, () => apply(s, 'development', Ym1, applyAt1));
    on(plus(applyAt1, { days: 7 }), () => eligible(s, plus(applyAt1, { days: 7 })));
    on(plus(applyAt1, { days: 8 }), () => count(selectApplication(svc, p, s.urn, { groupId: devGroup, at: plus(applyAt1, { days: 8 }) })));
  }
  await year({ groupId: devGroup, year: Ym1, members: [emb, late], route: 'primary', evaluate: [emb] });
  steps.push({ at: atLondon(`${startYearOf(Y)}-09-01`, '09:30'), run: () => transitionCohort(engine, { from: Ym1, to: Y, groupId: devGroup, dryRun: false, actor: p.id, at: atLondon(`${startYearOf(Y)}-09-01`, '09:30') }) });
  await year({ groupId: devGroup, year: Y, members: [emb], route: 'primary', evaluate: [] });

  // --- Secondary Development this year; the last past meeting's attendance is not recorded (escalated).
  const pastY = generateSchedule(programme('secondary', 'development', Y), Y, {}).filter((s) => beforeNow(plus(s.at, { hours: 4 })));
  const unrecorded = pastY.at(-1);
  const unrecordedWords = unrecorded ? `the ${kindName(unrecorded.kind, 'inSentence') ?? unrecorded.kind} of ${longDate(unrecorded.at)}` : 'its latest session';
  const dev = school('100004', 'Riverside Academy', 'secondary', `Development ${Y}: attendance at ${unrecordedWords} not recorded (escalated to the hub lead)`);
  const devYGroup = await group('secondary', 'development', Y, '1');
  const applyAt0 = atLondon(`${startYearOf(Y)}-06-15`, '10:00');
  on(applyAt0, () => apply(dev, 'development', Y, applyAt0));
  on(plus(applyAt0, { days: 7 }), () => eligible(dev, plus(applyAt0, { days: 7 })));
  on(plus(applyAt0, { days: 8 }), () => count(selectApplication(svc, p, dev.urn, { groupId: devYGroup, at: plus(applyAt0, { days: 8 }) })));
  const pastSessionsY = pastY.length;
  await year({ groupId: devYGroup, year: Y, members: [dev], route: 'secondary', evaluate: [], attendance: (_s, i) => (i === pastSessionsY - 1 ? null : { teachers: 2, headteacher: false }) });

  // --- Readiness this year: a group application of two schools; one headteacher missed the first workshop.
  const ready = school('100005', 'Hollybrook Primary School', 'primary', `Readiness ${Y}: the headteacher missed the first workshop (escalated)`);
  const partner = school('100006', 'Forest Town Primary School', 'primary', `Readiness ${Y}, in a group application with Hollybrook`);
  const readyGroup = await group('primary', 'readiness', Y, '1');
  const applyAtR = atLondon(`${startYearOf(Y)}-05-11`, '10:00');
  on(applyAtR, async () => {
    await apply(ready, 'readiness', Y, applyAtR, [partner.urn]);
    await apply(partner, 'readiness', Y, applyAtR, [ready.urn]);
  });
  for (const s of [ready, partner]) on(plus(applyAtR, { days: 14 }), () => eligible(s, plus(applyAtR, { days: 14 })));
  for (const s of [ready, partner]) on(plus(applyAtR, { days: 15 }), () => count(selectApplication(svc, p, s.urn, { at: plus(applyAtR, { days: 15 }) })));
  await year({ groupId: readyGroup, year: Y, members: [ready, partner], route: 'primary', evaluate: [], attendance: (s, i) => ({ teachers: 2, headteacher: i === 0 && s.urn === partner.urn }) });

  // --- Applications this year at each step.
  const applied = school('100008', 'Castle Primary School', 'primary', `Readiness ${Y}: applied, not yet assessed`);
  const waiting = school('100009', 'Brook Lane Primary School', 'primary', `Readiness ${Y}: eligible, on the waiting list`);
  const declined = school('100010', 'Meadow Park School', 'secondary', `Development ${Y}: declined, offered a place next year`);
  const withdrew = school('100011', "St Anne's Primary School", 'primary', `Readiness ${Y}: selected, then withdrew`);
  const appsAt = atLondon(`${startYearOf(Y)}-06-01`, '10:00');
  on(appsAt, async () => {
    await apply(applied, 'readiness', Y, appsAt);
    await apply(waiting, 'readiness', Y, appsAt);
    await apply(declined, 'development', Y, appsAt);
    await apply(withdrew, 'readiness', Y, appsAt);
  });
  on(plus(appsAt, { days: 10 }), async () => {
    await eligible(waiting, plus(appsAt, { days: 10 }));
    await eligible(withdrew, plus(appsAt, { days: 10 }));
  });
  on(plus(appsAt, { days: 11 }), () => count(waitlistApplication(svc, p, waiting.urn, { reason: 'the work group is planned to start with the schools already selected; a place may open in the spring', at: plus(appsAt, { days: 11 }) })));
  on(plus(appsAt, { days: 12 }), () => count(declineApplication(svc, p, declined.urn, { reason: 'the Development work group for this year is full', alternative: `a place in the ${nextAcademicYear(Y)} Development Work Group`, at: plus(appsAt, { days: 12 }) })));
  on(plus(appsAt, { days: 16 }), () => count(selectApplication(svc, p, withdrew.urn, { groupId: readyGroup, at: plus(appsAt, { days: 16 }) })));
  const withdrawAt = atLondon(`${startYearOf(Y)}-07-10`, '10:00');
  steps.push({ at: withdrawAt, run: () => count(withdrawSchool(svc, p, withdrew.urn, { reason: 'a new headteacher starts in September and wants to wait a year', at: withdrawAt })) });

  /** Fires the timers due by `until` one due time at a time, so the clock is at each timer's own time when its effects are carried out (a tick of several times moves the clock to its latest, which would make an earlier reminder late). */
  const fireUntil = async (until: string) => {
    for (;;) {
      const r = await svc.db.query<{ due: string | Date | null }>('SELECT min(due_at) AS due FROM timers WHERE due_at <= $1', [until]);
      const due = r.rows[0]?.due;
      if (!due) break;
      await engine.tick(new Date(due).toISOString());
    }
    await engine.tick(until);
  };
  // Run everything in time order, firing the timers due by each step first.
  const queue = [...steps];
  steps.length = 0;
  let done = 0;
  while (queue.length || steps.length) {
    queue.push(...steps.splice(0));
    queue.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    const step = queue.shift()!;
    if (!beforeNow(step.at)) continue;
    await fireUntil(step.at);
    await step.run();
    // Steps done of those known so far: a year's start adds that year's sessions, so the fraction can step back.
    done += 1;
    const known = done + [...queue, ...steps].filter((x) => beforeNow(x.at)).length;
    onProgress?.({ at: step.at, fraction: done / known });
  }
  // The timers due between the last step and now fire at their own times too (not at the serving host's first tick).
  await fireUntil(now);
  return { year: Y, schools: schools.sort((a, b) => a.urn.localeCompare(b.urn)), groups, events };
}
