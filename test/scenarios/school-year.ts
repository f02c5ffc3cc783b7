/**
 * The data of the shared engine scenarios: a secondary school's Development
 * year set in the academic year after the current one, so that no reminder
 * or year-end timer falls due while a scenario runs against a real clock
 * (a Temporal server, or an embedded host on the system clock). Not pure:
 * reads today's date to pick that year.
 */
import { DateTime } from 'luxon';
import { Programme } from '../../domain/catalogue/schema.js';
import type { PathwayEventInput } from '../../machines/events.js';
import { secondaryDev, secondarySchool, twoTeachers } from '../fixtures/programmes.js';

export interface SchoolYear {
  /** e.g. "2026/27". */
  academicYear: string;
  programme: Programme;
  events: {
    apply: PathwayEventInput;
    eligible: PathwayEventInput;
    selected: PathwayEventInput;
    committed: PathwayEventInput;
    schedule: PathwayEventInput;
    attendance: PathwayEventInput[];
    evaluation: PathwayEventInput;
  };
}

/** The London wall time on a date of the scenario's year, as an ISO instant with offset. */
function at(date: string, time = '10:00'): string {
  return DateTime.fromISO(`${date}T${time}`, { zone: 'Europe/London' }).toISO({ suppressMilliseconds: true })!;
}

/** A secondary Development year starting next September (from `today`). */
export function nextSecondaryYear(today: DateTime = DateTime.now().setZone('Europe/London')): SchoolYear {
  const y = (today.month >= 9 ? today.year : today.year - 1) + 1;
  const academicYear = `${y}/${String((y + 1) % 100).padStart(2, '0')}`;
  const programme = Programme.parse({
    ...secondaryDev,
    id: `sec-dev-${y}`,
    academicYear,
    sessions: secondaryDev.sessions.map((s) => ({ ...s, window: { from: `${y}-11`, to: `${y + 1}-07` } })),
  });
  const meetings = [`${y}-11-12`, `${y + 1}-01-14`, `${y + 1}-03-11`, `${y + 1}-05-13`].map((d, i) => ({ id: `m${i + 1}`, at: at(d, '13:00') }));
  return {
    academicYear,
    programme,
    events: {
      apply: { type: 'APPLY', at: at(`${y}-06-01`), programme, school: secondarySchool, teachers: twoTeachers },
      eligible: { type: 'ELIGIBILITY_ASSESSED', at: at(`${y}-06-15`), eligible: true },
      selected: { type: 'SELECTED', at: at(`${y}-07-01`), groupId: `sec-wg-${y}`, groupSize: 2 },
      committed: { type: 'COMMITMENT_SIGNED', at: at(`${y}-09-10`), signatories: ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'] },
      schedule: { type: 'SCHEDULE_SET', at: at(`${y}-10-01`), sessions: meetings.map((m) => ({ id: m.id, kind: 'meeting' as const, at: m.at, place: 'Riverside Academy' })) },
      attendance: meetings.map((m) => ({ type: 'ATTENDANCE_RECORDED' as const, at: m.at.replace('T13:00', 'T17:00'), sessionId: m.id, teachersPresent: 2 })),
      evaluation: { type: 'EVALUATION_SUBMITTED', at: at(`${y + 1}-07-01`), summary: 'Bar models in every Year 7 lesson' },
    },
  };
}

/**
 * URNs no earlier run has used, so the scenarios can run again against a
 * server that keeps its workflows (six digits, like real URNs). Not pure.
 */
export function freshUrns(n: number): string[] {
  // Handed out one after another from a random start: two calls moments apart once drew starts
  // within a few hundred of each other, and "a school that never applied" found one that had.
  if (nextUrn + n > 999_999) nextUrn = 100_000;
  const start = nextUrn;
  nextUrn += n;
  return Array.from({ length: n }, (_, i) => String(start + i));
}
let nextUrn = 100_000 + ((Date.now() + Math.floor(Math.random() * 1000)) % 800_000);
