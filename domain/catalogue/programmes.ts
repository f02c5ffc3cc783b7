/**
 * The programme catalogue: every Teaching for Mastery programme a school can be
 * in, one entry per route, phase and academic year, validated by the
 * `Programme` schema when this module loads. Pure data and lookups.
 *
 * Documented entries come from the seed documents (000..004) and the public
 * Maths Hubs pages summarised in DESIGN.md ("web"). So that a school can walk
 * its whole route from 2018/19 to 2026/27, the years in between are filled with
 * copies of the nearest documented entry: `carriedFrom` names it, `sources` is
 * ["web"], the name says "rules carried forward/back", and `note` says what was
 * copied. A copy keeps the rules and drops application dates (the hub sets them).
 */
import { DateTime } from 'luxon';
import { Programme, type ProgrammeInput, type PhaseKind, type Route } from './schema.js';
import { parseOrThrow, ValidationError } from '../errors.js';
import { nextAcademicYear, startYearOf, yearBounds, yearsBetween } from '../calendar/academic-year.js';

/** The last academic year the catalogue covers. */
export const LAST_CATALOGUE_YEAR = '2026/27';

/** The phases of each route, in order; Sustaining repeats yearly. */
export const ROUTE_PHASES: Readonly<Record<Route, readonly PhaseKind[]>> = Object.freeze({
  primary: Object.freeze(['trg', 'readiness', 'development', 'embedding', 'sustaining'] as PhaseKind[]),
  secondary: Object.freeze(['development', 'embedding', 'sustaining'] as PhaseKind[]),
});

/** "secondary-development-2020-21". Pure. */
export function programmeId(route: Route, phase: PhaseKind, year: string): string {
  return `${route}-${phase}-${year.replace('/', '-')}`;
}

const PRIMARY_SIGNATORIES = ['headteacher', 'teacher1', 'teacher2'] as const;
const SECONDARY_SIGNATORIES = ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'] as const;

const TITLES: Record<Route, Partial<Record<PhaseKind, string>>> = {
  primary: {
    trg: 'Primary Teaching for Mastery Pilot Teacher Research Group',
    readiness: 'Primary Mastery Readiness Work Group',
    development: 'Primary Teaching for Mastery Development Work Group',
    embedding: 'Primary Teaching for Mastery Embedding Work Group',
    sustaining: 'Primary Teaching for Mastery Sustaining Work Group',
  },
  secondary: {
    development: 'Secondary Teaching for Mastery Development Work Group',
    embedding: 'Secondary Teaching for Mastery Embedding Work Group',
    sustaining: 'Secondary Teaching for Mastery Sustaining Work Group',
  },
};

type Entry = ProgrammeInput & { route: Route; phase: PhaseKind; academicYear: string };

function documented(e: Omit<Entry, 'id' | 'name'>): Entry {
  return { id: programmeId(e.route, e.phase, e.academicYear), name: `${TITLES[e.route][e.phase]} ${e.academicYear}`, ...e };
}

/** Readiness earns £1000 that the following Development year pays (002). */
function readinessFunding(year: string, source: ('002' | 'web')[]): Pick<Entry, 'fundingNote' | 'fundingLater'> {
  const next = nextAcademicYear(year);
  return {
    fundingNote: `none this year; a grant of £1000 to help subsidise teacher release time in the Teaching for Mastery (Development) Work Group in ${next}`,
    fundingLater: { amountPence: 100_000, phase: 'development', academicYear: next, source },
  };
}

// Seed 002's wording. Ids match domain/forms (ELIGIBILITY_CRITERION_IDS), which ties statement keywords to them.
const READINESS_CRITERIA = [
  { id: 'ofstedRiOrInadequate', label: 'Has been judged at RI or Inadequate for at least their most recent OFSTED inspection' },
  { id: 'lowMathsProgressOrAttainment', label: 'Has low progress or attainment data for mathematics across the school' },
  { id: 'namedByLocalAuthority', label: 'Has been identified, by their Local Authority, as being suitable for the programme' },
  { id: 'lowSocialMobilityArea', label: 'Is in an area of low social mobility such as Opportunity Areas, Category 5/6 areas' },
  { id: 'needsMathsLeadershipSupport', label: 'Identified as needing additional support for leadership of mathematics' },
  { id: 'highStaffTurnover', label: 'Has a high turnover of staff, meaning that the implementation of sustained change can be difficult' },
  { id: 'otherReason', label: 'Another identifiable reason for being unable to engage in developing teaching for mastery yet' },
];

const EVALUATION = {
  workGroup: { required: true, due: 'endOfYear', what: 'contribute to the final reporting and evaluation of the Work Group' },
  trg: { required: true, due: 'endOfYear', what: 'contribute to the final reporting and evaluation of the project' },
  readiness: { required: true, due: 'endOfYear', what: 'provide any reports the Maths Hub requires and take part in its evaluation processes' },
} as const;

// ---------------------------------------------------------------- documented entries

const DOCUMENTED: Entry[] = [
  documented({
    route: 'primary',
    phase: 'trg',
    academicYear: '2018/19',
    leader: 'trainee Mastery Specialist (cohort 4)',
    group: { maxSchools: 3, teachersPerSchool: 2, maxTeachers: 6, schoolsPerLeader: 3 },
    teacherRoles: 'oneSubjectLeaderOrSmt',
    sessions: [
      {
        kind: 'meeting',
        min: 2,
        max: 2,
        lengthHalfDays: 1,
        cadence: 'spread',
        window: { from: '2019-04', to: '2019-07' },
        place: "the Mastery Specialist's school",
        gapTasksBetween: true,
        source: ['004'],
        note: 'each meeting: pre-lesson discussion, lesson observation, post-lesson discussion; "Summer 2019" read as the summer term',
      },
    ],
    funding: null,
    schoolMeetsCosts: "cover costs and incidental expenses of the teachers' attendance at the meetings",
    deadlines: { applicationsClose: '2019-03-06', schoolsInformed: '2019-03-22' },
    eligibility: null,
    statements: [
      { who: 'teacher', words: 100, kind: 'about', source: '004' },
      { who: 'headteacher', words: 100, kind: 'about', source: '004' },
    ],
    signatories: [...PRIMARY_SIGNATORIES],
    evaluation: EVALUATION.trg,
    inconsistencies: [
      {
        field: 'sessions.meeting.min',
        readings: [
          { text: 'the TRG will meet on two occasions; teachers released to attend two separate half-day TRG meetings (leaflet)', source: '004' },
          { text: 'the teacher will be released to attend four separate half days in 2018 (commitment box of the form)', source: '004' },
        ],
        used: 'two half-day meetings: the leaflet says it twice, and a pilot recruited in March 2019 cannot meet in 2018, so the commitment box looks carried over from an older form',
      },
    ],
    sources: ['004'],
  }),
  documented({
    route: 'primary',
    phase: 'readiness',
    academicYear: '2020/21',
    startsOn: '2020-04-20',
    leader: 'Mastery Readiness Lead',
    group: { maxSchools: 8, teachersPerSchool: 2 },
    leaderLoad: { max: 8, unit: 'schools', source: ['002'], quote: 'Each Work Group will be led by one of the Maths Hub’s Mastery Readiness Leads and involve up to eight primary schools' },
    teacherRoles: 'oneIsMathsLead',
    sessions: [
      {
        kind: 'workshop',
        min: 6,
        max: 8,
        lengthHalfDays: 1,
        cadence: 'halfTermly',
        window: { from: '2020-04', to: '2021-07' },
        headteacherAttendsFirst: true,
        gapTasksBetween: true,
        source: ['002'],
        note: 'half-termly from summer term 2020 through 2020/21: up to 8, of which the 6 in 2020/21 are required',
      },
      {
        kind: 'visit',
        min: 3,
        max: 4,
        lengthHalfDays: 1,
        cadence: 'termly',
        window: { from: '2020-04', to: '2021-07' },
        place: 'the school',
        source: ['002'],
        note: '"regular" half-day support visits read as one a term; the headteacher meets the Mastery Readiness Lead during them',
      },
    ],
    funding: null,
    ...readinessFunding('2020/21', ['002']),
    deadlines: { outcomeBy: '2021-08-31' },
    eligibility: { criteria: READINESS_CRITERIA, atLeast: 1 },
    statements: [{ who: 'headteacher', words: 250, kind: 'upTo', source: '002' }],
    signatories: [...PRIMARY_SIGNATORIES],
    evaluation: EVALUATION.readiness,
    sources: ['002'],
    note: 'outcome: the school is "Mastery Ready" by the end of 2020/21 and continues in a Teaching for Mastery Work Group in 2021/22 and beyond; applications open until places are filled ("early applications are encouraged")',
  }),
  documented({
    route: 'primary',
    phase: 'development',
    academicYear: '2021/22',
    leader: 'Mastery Specialist',
    group: { maxSchools: null, teachersPerSchool: 2 },
    masteryReadyFrom: { phase: 'readiness', source: ['002'], quote: 'The school will have a vision for implementing teaching for mastery approaches across the school and will actively work on an action plan in order for the school to be ‘Mastery Ready’ by the end of 2020/21' },
    teacherRoles: 'none',
    sessions: [
      { kind: 'meeting', min: 6, max: 6, lengthHalfDays: 1, cadence: 'halfTermly', source: ['web'] },
      { kind: 'visit', min: 3, max: 3, lengthHalfDays: 1, cadence: 'termly', place: 'the school', source: ['web'], note: 'the Mastery Specialist visits each school every term' },
    ],
    funding: { amountPence: 100_000, recipient: 'school', purpose: 'to help subsidise teacher release time', release: 'afterCommitmentAndFirstMeeting', source: ['002'] },
    fundingNote: 'the £1000 that Readiness schools of 2020/21 were promised for this year (002)',
    deadlines: {},
    eligibility: null,
    statements: [],
    signatories: [...PRIMARY_SIGNATORIES],
    evaluation: EVALUATION.workGroup,
    takeOnce: true,
    sources: ['002', 'web'],
  }),
  documented({
    route: 'primary',
    phase: 'embedding',
    academicYear: '2022/23',
    leader: 'Mastery Specialist',
    group: { maxSchools: null, teachersPerSchool: 2 },
    teacherRoles: 'none',
    sessions: [
      {
        kind: 'meeting',
        min: 3,
        lengthHalfDays: 1,
        cadence: 'termly',
        source: ['003'],
        note: '"regular external meetings" (003) read as one a term; the Embedding shape is the one DESIGN.md gives for every route',
      },
    ],
    inSchoolDays: { min: 3, max: 3, between: 'in-school support from the Mastery Specialist', source: '003' },
    funding: null,
    deadlines: {},
    eligibility: null,
    statements: [],
    signatories: [...PRIMARY_SIGNATORIES],
    evaluation: EVALUATION.workGroup,
    sources: ['web', '003'],
    note: 'one academic year (web); no primary document describes Embedding, so the secondary leaflet 003 gives its shape',
  }),
  documented({
    route: 'primary',
    phase: 'sustaining',
    academicYear: '2023/24',
    leader: 'Mastery Specialist, with local schools',
    group: { maxSchools: null, teachersPerSchool: 2 },
    teacherRoles: 'none',
    sessions: [{ kind: 'workshop', min: 6, max: 6, lengthHalfDays: 1, cadence: 'halfTermly', source: ['web'], note: 'six workshops a year' }],
    funding: null,
    deadlines: {},
    eligibility: null,
    statements: [],
    signatories: [...PRIMARY_SIGNATORIES],
    evaluation: EVALUATION.workGroup,
    sources: ['web'],
    note: 'repeats yearly',
  }),
  documented({
    route: 'primary',
    phase: 'development',
    academicYear: '2024/25',
    leader: 'Mastery Specialist',
    group: { maxSchools: null, teachersPerSchool: 2 },
    masteryReadyFrom: { phase: 'readiness', source: ['002'], quote: 'The school will have a vision for implementing teaching for mastery approaches across the school and will actively work on an action plan in order for the school to be ‘Mastery Ready’ by the end of 2020/21' },
    teacherRoles: 'none',
    sessions: [
      { kind: 'meeting', min: 6, max: 6, lengthHalfDays: 1, cadence: 'halfTermly', source: ['web'] },
      { kind: 'visit', min: 3, max: 3, lengthHalfDays: 1, cadence: 'termly', place: 'the school', source: ['web'], note: 'the Mastery Specialist visits each school every term' },
    ],
    funding: { amountPence: 100_000, recipient: 'school', purpose: 'supply cover for the two teachers', release: 'afterCommitmentAndFirstMeeting', source: ['web'] },
    deadlines: {},
    eligibility: null,
    statements: [],
    signatories: [...PRIMARY_SIGNATORIES],
    evaluation: EVALUATION.workGroup,
    takeOnce: true,
    sources: ['web'],
  }),
  documented({
    route: 'secondary',
    phase: 'development',
    academicYear: '2018/19',
    leader: 'Secondary Mastery Specialist',
    group: { maxSchools: 2, teachersPerSchool: 2, maxTeachers: 4, schoolsPerLeader: 2 },
    leaderLoad: { max: 2, unit: 'departments', source: ['000'], quote: 'They will do this by working intensively with two secondary mathematics departments' },
    teacherRoles: 'oneExperiencedOneAspiring',
    sessions: [
      {
        kind: 'meeting',
        min: 4,
        lengthHalfDays: 1,
        cadence: 'spread',
        window: { from: '2018-09', to: '2019-07' },
        gapTasksBetween: true,
        source: ['000'],
        note: 'advocates also observe the specialist in the specialist’s own school',
      },
    ],
    inSchoolDays: { min: 4, max: 6, between: 'the two Mastery Advocates', source: '000' },
    releaseDays: { minCombined: 10, includesMeetings: true, source: '000' },
    funding: { amountPence: 200_000, recipient: 'department', purpose: 'to enable the Mastery Advocates to work with the Secondary Mastery Specialist', release: 'afterCommitmentAndFirstMeeting', source: ['000'] },
    deadlines: { applicationsClose: '2018-06-15' },
    eligibility: null,
    statements: [{ who: 'headOfDepartment', words: 150, kind: 'about', source: '000' }],
    signatories: [...SECONDARY_SIGNATORIES],
    evaluation: EVALUATION.workGroup,
    inconsistencies: [
      {
        field: 'inSchoolDays / releaseDays',
        readings: [
          { text: "approximately 4 to 6 days' worth of time between the two teachers for in-school meetings and development activities (leaflet)", source: '000' },
          { text: "a minimum of ten (combined) days' release time for development work including the meetings (commitment box of the form)", source: '000' },
        ],
        used: 'both: inSchoolDays 4-6 counts the in-school days with the specialist; releaseDays.minCombined 10 counts all release including meetings, which is what the school signs',
      },
    ],
    takeOnce: true,
    sources: ['000'],
  }),
  documented({
    route: 'secondary',
    phase: 'development',
    academicYear: '2020/21',
    leader: 'Secondary Mastery Specialist',
    group: { maxSchools: 2, teachersPerSchool: 2, maxTeachers: 4, schoolsPerLeader: 2 },
    leaderLoad: { max: 2, unit: 'departments', source: ['001'], quote: "Two teachers from each of two schools will become 'Mastery Advocates' within their own departments and will form the Work Group. They will work closely with a Secondary Mastery Specialist" },
    teacherRoles: 'oneExperiencedOneAspiring',
    sessions: [
      {
        kind: 'meeting',
        min: 4,
        lengthHalfDays: 1,
        cadence: 'spread',
        window: { from: '2020-11', to: '2021-07' },
        place: 'online or face to face',
        gapTasksBetween: true,
        source: ['003', '001'],
        note: '"four separate half-day meetings, or equivalent" (003); COVID recovery year, more live online collaboration (001)',
      },
    ],
    inSchoolDays: { min: 4, max: 6, between: 'the two Mastery Advocates', source: '003' },
    funding: { amountPence: 200_000, recipient: 'department', purpose: 'towards the cost of releasing the Mastery Advocates to carry out development work', release: 'afterCommitmentAndFirstMeeting', source: ['001', '003'] },
    deadlines: { applicationsClose: '2020-07-13' },
    eligibility: null,
    statements: [],
    signatories: [...SECONDARY_SIGNATORIES],
    evaluation: EVALUATION.workGroup,
    takeOnce: true,
    sources: ['001', '003'],
  }),
  documented({
    route: 'secondary',
    phase: 'development',
    academicYear: '2021/22',
    leader: 'Secondary Mastery Specialist',
    group: { maxSchools: null, teachersPerSchool: 2 },
    leaderLoad: { max: 2, unit: 'departments', source: ['000'], quote: 'They will do this by working intensively with two secondary mathematics departments' },
    teacherRoles: 'oneExperiencedOneAspiring',
    sessions: [
      { kind: 'meeting', min: 6, max: 6, lengthHalfDays: 1, cadence: 'halfTermly', source: ['web'] },
      { kind: 'visit', min: 3, max: 3, lengthHalfDays: 1, cadence: 'termly', place: 'the school', source: ['web'], note: 'the Mastery Specialist visits each school every term' },
    ],
    funding: { amountPence: 200_000, recipient: 'department', purpose: 'towards the cost of releasing the Mastery Advocates', release: 'afterCommitmentAndFirstMeeting', source: ['001', '003'] },
    fundingNote: 'amount carried from 2020/21 (001, 003): the public pages for this year do not state it',
    deadlines: {},
    eligibility: null,
    statements: [],
    signatories: [...SECONDARY_SIGNATORIES],
    evaluation: EVALUATION.workGroup,
    takeOnce: true,
    sources: ['web', '003'],
  }),
  documented({
    route: 'secondary',
    phase: 'embedding',
    academicYear: '2021/22',
    leader: 'Secondary Mastery Specialist',
    group: { maxSchools: null, teachersPerSchool: 2 },
    teacherRoles: 'none',
    sessions: [{ kind: 'meeting', min: 3, lengthHalfDays: 1, cadence: 'termly', source: ['003'], note: '"regular external meetings" read as one a term' }],
    inSchoolDays: { min: 3, max: 3, between: 'in-school support from the Mastery Specialist', source: '003' },
    funding: null,
    deadlines: {},
    eligibility: null,
    statements: [],
    signatories: [...SECONDARY_SIGNATORIES],
    evaluation: EVALUATION.workGroup,
    sources: ['003'],
    note: 'the second year for schools of the 2020/21 Development Work Groups (003)',
  }),
  documented({
    route: 'secondary',
    phase: 'sustaining',
    academicYear: '2022/23',
    leader: 'Mastery Specialist, with local schools',
    group: { maxSchools: null, teachersPerSchool: 2 },
    teacherRoles: 'none',
    sessions: [
      {
        kind: 'workshop',
        min: 6,
        max: 6,
        lengthHalfDays: 1,
        cadence: 'halfTermly',
        source: ['003', 'web'],
        note: 'support "primarily through the external meetings" with other local schools (003); six workshops a year (web)',
      },
    ],
    funding: null,
    deadlines: {},
    eligibility: null,
    statements: [],
    signatories: [...SECONDARY_SIGNATORIES],
    evaluation: EVALUATION.workGroup,
    sources: ['003', 'web'],
    note: 'repeats yearly',
  }),
];

// ---------------------------------------------------------------- carried years

/** The first year each phase is offered: far enough back for a school starting in 2018/19 to walk its whole route. */
const COVERAGE: { route: Route; phase: PhaseKind; from: string; to: string }[] = [
  { route: 'primary', phase: 'trg', from: '2018/19', to: '2018/19' },
  { route: 'primary', phase: 'readiness', from: '2019/20', to: LAST_CATALOGUE_YEAR },
  { route: 'primary', phase: 'development', from: '2020/21', to: LAST_CATALOGUE_YEAR },
  { route: 'primary', phase: 'embedding', from: '2021/22', to: LAST_CATALOGUE_YEAR },
  { route: 'primary', phase: 'sustaining', from: '2022/23', to: LAST_CATALOGUE_YEAR },
  { route: 'secondary', phase: 'development', from: '2018/19', to: LAST_CATALOGUE_YEAR },
  { route: 'secondary', phase: 'embedding', from: '2019/20', to: LAST_CATALOGUE_YEAR },
  { route: 'secondary', phase: 'sustaining', from: '2020/21', to: LAST_CATALOGUE_YEAR },
];

const MAX_PER_YEAR = { halfTermly: 6, termly: 3 } as const;

function shiftMonth(month: string, years: number): string {
  return DateTime.fromISO(`${month}-01`, { zone: 'Europe/London' }).plus({ years }).toFormat('yyyy-MM');
}

/** A copy of `anchor`'s rules for `year`: windows moved by whole years and kept inside the year, dates the hub sets dropped. */
function carry(anchor: Entry, year: string): Entry {
  const shift = yearsBetween(anchor.academicYear, year);
  const first = `${startYearOf(year)}-09`;
  const sessions = anchor.sessions.map((r) => {
    if (!r.window) return { ...r };
    const from = shiftMonth(r.window.from, shift);
    const clamped = from < first;
    const cap = r.cadence === 'halfTermly' || r.cadence === 'termly' ? MAX_PER_YEAR[r.cadence] : undefined;
    return {
      ...r,
      window: { from: clamped ? first : from, to: shiftMonth(r.window.to, shift) },
      ...(clamped && cap !== undefined && r.max !== undefined
        ? { max: Math.min(r.max, Math.max(cap, r.min)), note: `${r.note ? `${r.note}; ` : ''}this copy starts in September, so at most ${Math.min(r.max, Math.max(cap, r.min))}` }
        : {}),
    };
  });
  const direction = shift > 0 ? 'forward' : 'back';
  const funding = anchor.phase === 'readiness' ? readinessFunding(year, ['web']) : {
    fundingNote: anchor.funding ? `amount carried ${direction} from ${anchor.academicYear} (${anchor.funding.source.join(', ')}); no document for ${year} states it` : anchor.fundingNote,
    fundingLater: undefined,
  };
  const { startsOn: _dropped, ...rest } = structuredClone(anchor);
  return {
    ...rest,
    id: programmeId(anchor.route, anchor.phase, year),
    name: `${TITLES[anchor.route][anchor.phase]} ${year} (rules carried ${direction} from ${anchor.academicYear})`,
    academicYear: year,
    sessions,
    ...funding,
    deadlines: anchor.deadlines.outcomeBy ? { outcomeBy: yearBounds(year).end } : {},
    sources: ['web'],
    carriedFrom: anchor.id,
    note:
      `No document describes ${year}: the rules of ${anchor.id} (sources ${anchor.sources.join(', ')}) are copied ${direction}` +
      `${anchor.startsOn ? ' without its early start' : ''}; application dates are left for the hub to set.` +
      (anchor.note ? ` From ${anchor.academicYear}: ${anchor.note}` : ''),
  };
}

/** Documented entries, plus a copy of the nearest documented entry (earlier preferred) for every other covered year. */
function fillYears(): Entry[] {
  const out: Entry[] = [];
  for (const c of COVERAGE) {
    const own = DOCUMENTED.filter((e) => e.route === c.route && e.phase === c.phase);
    if (own.length === 0) throw new Error(`programmes.ts: no documented ${c.route} ${c.phase} entry to copy from`);
    for (let y = c.from; startYearOf(y) <= startYearOf(c.to); y = nextAcademicYear(y)) {
      const exact = own.find((e) => e.academicYear === y);
      if (exact) {
        out.push(exact);
        continue;
      }
      const earlier = own.filter((e) => e.academicYear < y).sort((a, b) => b.academicYear.localeCompare(a.academicYear))[0];
      const later = own.filter((e) => e.academicYear > y).sort((a, b) => a.academicYear.localeCompare(b.academicYear))[0];
      out.push(carry((earlier ?? later)!, y));
    }
  }
  return out;
}

// ---------------------------------------------------------------- load-time checks

const PHASE_ORDER: PhaseKind[] = ['trg', 'readiness', 'development', 'embedding', 'sustaining'];

function checkEntry(p: Programme): void {
  const { start, end } = yearBounds(p.academicYear);
  const begins = p.startsOn ?? start;
  const fail = (why: string) => {
    throw new Error(`programmes.ts: catalogue entry ${p.id} ${why}`);
  };
  if (p.id !== programmeId(p.route, p.phase, p.academicYear)) fail(`must have id ${programmeId(p.route, p.phase, p.academicYear)}`);
  if (!ROUTE_PHASES[p.route].includes(p.phase)) fail(`has phase ${p.phase}, which the ${p.route} route does not have`);
  if (p.startsOn && p.startsOn >= start) fail(`has startsOn ${p.startsOn}, which is not before the year starts (${start})`);
  p.sessions.forEach((r, i) => {
    if (r.max !== undefined && r.max < r.min) fail(`sessions.${i}: max ${r.max} is below min ${r.min}`);
    if (r.window && (r.window.from < begins.slice(0, 7) || r.window.to > end.slice(0, 7) || r.window.from > r.window.to)) {
      fail(`sessions.${i}: window ${r.window.from}..${r.window.to} is not inside ${begins.slice(0, 7)}..${end.slice(0, 7)}`);
    }
  });
  if (p.inSchoolDays && p.inSchoolDays.min > p.inSchoolDays.max) fail('inSchoolDays: min is above max');
  if (p.evaluation.required !== true) fail('must require an evaluation');
}

function load(): Programme[] {
  const parsed = fillYears().map((e) => parseOrThrow(Programme, e, `catalogue entry ${e.id}`));
  parsed.forEach(checkEntry);
  const seen = new Set<string>();
  for (const p of parsed) {
    if (seen.has(p.id)) throw new Error(`programmes.ts: two catalogue entries have id ${p.id}`);
    seen.add(p.id);
  }
  return parsed.sort(
    (a, b) => a.academicYear.localeCompare(b.academicYear) || a.route.localeCompare(b.route) || PHASE_ORDER.indexOf(a.phase) - PHASE_ORDER.indexOf(b.phase),
  );
}

/** Every programme, parsed (defaults filled), ordered by year, route and phase. */
export const catalogue: readonly Programme[] = Object.freeze(load());

// ---------------------------------------------------------------- lookups

/** The programme with this id; throws a ValidationError naming the id and listing the known ids otherwise. Pure. */
export function programmeById(id: string): Programme {
  const p = catalogue.find((x) => x.id === id);
  if (!p) {
    throw new ValidationError(
      [{ path: 'programmeId', message: `must be a programme in the catalogue; known ids: ${catalogue.map((x) => x.id).join(', ')}`, value: id, severity: 'error' }],
      'programme',
    );
  }
  return p;
}

/** The programmes matching every given filter, in catalogue order. Pure. */
export function programmesFor(filter: { phase?: PhaseKind; route?: Route; academicYear?: string } = {}): Programme[] {
  return catalogue.filter(
    (p) =>
      (filter.phase === undefined || p.phase === filter.phase) &&
      (filter.route === undefined || p.route === filter.route) &&
      (filter.academicYear === undefined || p.academicYear === filter.academicYear),
  );
}

/** The one programme for a route, phase and year, or null when the catalogue has none. Pure. */
export function programmeFor(route: Route, phase: PhaseKind, academicYear: string): Programme | null {
  return programmesFor({ route, phase, academicYear })[0] ?? null;
}

/** The phase after `phase` on `route` (Sustaining follows itself); throws when the route has no such phase. Pure. */
export function nextPhase(phase: PhaseKind, route: Route): PhaseKind {
  const phases = ROUTE_PHASES[route];
  const i = phases.indexOf(phase);
  if (i < 0) {
    throw new ValidationError([{ path: 'phase', message: `must be one of the ${route} route's phases (${phases.join(', ')})`, value: phase, severity: 'error' }], 'programme');
  }
  return phases[Math.min(i + 1, phases.length - 1)]!;
}

/**
 * The catalogue entry a school moves to after `current`: the next phase of the
 * route (primary: TRG -> Readiness -> Development -> Embedding -> Sustaining ->
 * Sustaining...; secondary: Development -> Embedding -> Sustaining ->
 * Sustaining...) in the following academic year; null when the catalogue has
 * none for that year. Pure.
 */
export function nextProgramme(current: Programme, route: Route = current.route): Programme | null {
  if (route !== current.route) {
    throw new ValidationError([{ path: 'route', message: `must be the route of ${current.id} (${current.route})`, value: route, severity: 'error' }], 'programme');
  }
  return programmeFor(route, nextPhase(current.phase, route), nextAcademicYear(current.academicYear));
}

/**
 * The phase a school goes on to from `current` when that phase takes only
 * schools judged Mastery Ready at the end of `current` (rule masteryReady,
 * seed 002: Readiness into Development), else null. The next year's entry
 * decides; past the catalogue's last year, the next phase's latest entry
 * (its rules are the ones carried forward). Null for a phase not on the
 * route. Pure.
 */
export function masteryReadyNeededFor(current: Programme): PhaseKind | null {
  if (!ROUTE_PHASES[current.route].includes(current.phase)) return null;
  const phase = nextPhase(current.phase, current.route);
  const next = nextProgramme(current) ?? programmesFor({ route: current.route, phase }).sort((a, b) => (a.academicYear < b.academicYear ? -1 : 1)).at(-1) ?? null;
  return next && next.phase !== current.phase && next.masteryReadyFrom?.phase === current.phase ? next.phase : null;
}

/** Every entry from `start` onwards that a school would pass through, one per year, until the catalogue ends. Pure. */
export function routeFrom(start: Programme): Programme[] {
  const out = [start];
  for (let p = nextProgramme(start); p; p = nextProgramme(p)) out.push(p);
  return out;
}
