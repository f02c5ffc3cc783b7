import { describe, it, expect } from 'vitest';
import { Programme, type PhaseKind } from '../domain/catalogue/schema.js';
import { catalogue, programmeById, programmesFor, programmeFor, nextProgramme, nextPhase, routeFrom, LAST_CATALOGUE_YEAR } from '../domain/catalogue/programmes.js';
import { hubs, regions, hubById, hubByName, findHub, hubsByRegion, FIVE_BIG_IDEAS, SCALE } from '../domain/catalogue/hubs.js';
import { describeMeetings, describeMoney, describeGroup, pounds } from '../domain/catalogue/describe.js';
import { termsOf, nextAcademicYear } from '../domain/calendar/index.js';
import { ValidationError } from '../domain/errors.js';
import { ELIGIBILITY_CRITERION_IDS } from '../domain/forms/rules.js';

const byId = (id: string) => programmeById(id);

describe('catalogue entries', () => {
  it('every entry is a valid Programme and is stored with its defaults filled', () => {
    expect(catalogue.length).toBeGreaterThan(11);
    for (const p of catalogue) {
      const r = Programme.safeParse(p);
      expect(r.success, `${p.id}: ${r.success ? '' : r.error.message}`).toBe(true);
      expect(r.success && r.data).toEqual(p);
    }
  });

  it('has one entry per route, phase and year, with ids that say so', () => {
    const keys = catalogue.map((p) => `${p.route}/${p.phase}/${p.academicYear}`);
    expect(new Set(keys).size).toBe(catalogue.length);
    for (const p of catalogue) expect(p.id).toBe(`${p.route}-${p.phase}-${p.academicYear.replace('/', '-')}`);
  });

  it('requires an end-of-year evaluation in every phase', () => {
    for (const p of catalogue) expect(p.evaluation, p.id).toMatchObject({ required: true, due: 'endOfYear' });
  });

  it('secondary Development 2018/19 carries the figures of seed 000', () => {
    const p = byId('secondary-development-2018-19');
    expect(p.sources).toEqual(['000']);
    expect(p.deadlines.applicationsClose).toBe('2018-06-15');
    expect(p.group).toMatchObject({ schoolsPerLeader: 2, teachersPerSchool: 2 });
    expect(p.teacherRoles).toBe('oneExperiencedOneAspiring');
    const meetings = p.sessions.find((s) => s.kind === 'meeting')!;
    expect(meetings).toMatchObject({ min: 4, lengthHalfDays: 1, cadence: 'spread', window: { from: '2018-09', to: '2019-07' }, gapTasksBetween: true });
    expect(p.inSchoolDays).toMatchObject({ min: 4, max: 6 });
    expect(p.releaseDays).toMatchObject({ minCombined: 10, includesMeetings: true });
    expect(p.funding).toMatchObject({ amountPence: 200_000, recipient: 'department', release: 'afterCommitmentAndFirstMeeting' });
    expect(p.statements).toContainEqual({ who: 'headOfDepartment', words: 150, kind: 'about', source: '000' });
    expect(p.signatories).toEqual(['headteacher', 'headOfDepartment', 'teacher1', 'teacher2']);
    expect(p.takeOnce).toBe(true);
    const texts = p.inconsistencies.flatMap((i) => i.readings.map((r) => r.text)).join(' | ');
    expect(texts).toMatch(/4 to 6 days/);
    expect(texts).toMatch(/ten \(combined\) days/);
  });

  it('secondary Development 2020/21 has the Nov-Jul window and the 13 July deadline of seeds 001 and 003', () => {
    const p = byId('secondary-development-2020-21');
    expect(p.sources).toEqual(expect.arrayContaining(['001', '003']));
    expect(p.deadlines.applicationsClose).toBe('2020-07-13');
    expect(p.sessions[0]).toMatchObject({ kind: 'meeting', min: 4, cadence: 'spread', window: { from: '2020-11', to: '2021-07' } });
    expect(p.inSchoolDays).toMatchObject({ min: 4, max: 6 });
    expect(p.funding?.amountPence).toBe(200_000);
  });

  it('secondary Development 2021/22 follows the later public pages: six half-termly meetings and a visit each term', () => {
    const p = byId('secondary-development-2021-22');
    expect(p.sessions).toContainEqual(expect.objectContaining({ kind: 'meeting', min: 6, max: 6, cadence: 'halfTermly' }));
    expect(p.sessions).toContainEqual(expect.objectContaining({ kind: 'visit', cadence: 'termly' }));
    expect(p.takeOnce).toBe(true);
  });

  it('Readiness 2020/21: up to 8 schools, maths lead, 7 criteria, half-termly workshops the head attends first, no money until Development', () => {
    const p = byId('primary-readiness-2020-21');
    expect(p.group).toMatchObject({ maxSchools: 8, teachersPerSchool: 2 });
    expect(p.teacherRoles).toBe('oneIsMathsLead');
    expect(p.eligibility?.criteria).toHaveLength(7);
    // The forms check statements against these ids, so they must be the forms' ids.
    expect(p.eligibility?.criteria.map((c) => c.id)).toEqual([...ELIGIBILITY_CRITERION_IDS]);
    expect(p.eligibility?.criteria[0]!.label).toMatch(/RI or Inadequate/);
    expect(p.eligibility?.atLeast).toBe(1);
    expect(p.statements).toContainEqual({ who: 'headteacher', words: 250, kind: 'upTo', source: '002' });
    const workshops = p.sessions.find((s) => s.kind === 'workshop')!;
    expect(workshops).toMatchObject({ cadence: 'halfTermly', headteacherAttendsFirst: true, gapTasksBetween: true });
    expect(p.sessions).toContainEqual(expect.objectContaining({ kind: 'visit', lengthHalfDays: 1 }));
    expect(p.funding).toBeNull();
    expect(p.fundingNote).toMatch(/£1000/);
    expect(p.fundingLater).toMatchObject({ amountPence: 100_000, phase: 'development', academicYear: '2021/22' });
    expect(p.deadlines.outcomeBy).toBe('2021-08-31');
  });

  it('Readiness 2020/21 starts on the first day of the 2020 summer term', () => {
    const summer1 = termsOf('2019/20').halfTerms.find((h) => h.name === 'summer1')!;
    expect(byId('primary-readiness-2020-21').startsOn).toBe(summer1.start);
  });

  it('the grant each Readiness year promises is the grant of the Development year that follows it', () => {
    for (const r of programmesFor({ phase: 'readiness' })) {
      const dev = nextProgramme(r);
      if (!dev) continue;
      expect(dev.phase).toBe('development');
      expect(r.fundingLater?.academicYear, r.id).toBe(dev.academicYear);
      expect(dev.funding?.amountPence, dev.id).toBe(r.fundingLater?.amountPence);
    }
  });

  it('primary Development 2021/22 pays £1000 after commitment and the first meeting, and is taken once', () => {
    const p = byId('primary-development-2021-22');
    expect(p.funding).toMatchObject({ amountPence: 100_000, recipient: 'school', release: 'afterCommitmentAndFirstMeeting' });
    expect(p.sessions).toContainEqual(expect.objectContaining({ kind: 'meeting', min: 6, cadence: 'halfTermly', lengthHalfDays: 1 }));
    expect(p.sessions).toContainEqual(expect.objectContaining({ kind: 'visit', cadence: 'termly' }));
    expect(p.takeOnce).toBe(true);
    expect(p.sources).toEqual(expect.arrayContaining(['002', 'web']));
  });

  it('primary Development 2024/25 has the £1,000 supply-cover grant', () => {
    const p = byId('primary-development-2024-25');
    expect(p.carriedFrom).toBeUndefined();
    expect(p.funding).toMatchObject({ amountPence: 100_000, source: ['web'] });
    expect(p.funding?.purpose).toMatch(/supply cover/);
  });

  it('TRG pilot: 6 teachers from 3 schools, two half-day meetings, no funding, and the "four half days in 2018" reading kept visible', () => {
    const p = byId('primary-trg-2018-19');
    expect(p.group).toMatchObject({ maxTeachers: 6, maxSchools: 3, teachersPerSchool: 2 });
    expect(p.teacherRoles).toBe('oneSubjectLeaderOrSmt');
    expect(p.deadlines).toMatchObject({ applicationsClose: '2019-03-06', schoolsInformed: '2019-03-22' });
    expect(p.sessions[0]).toMatchObject({ kind: 'meeting', min: 2, max: 2, lengthHalfDays: 1, gapTasksBetween: true });
    expect(p.sessions[0]!.place).toMatch(/specialist/i);
    expect(p.funding).toBeNull();
    expect(p.schoolMeetsCosts).toMatch(/cover costs/);
    const readings = p.inconsistencies[0]!.readings.map((r) => r.text);
    expect(readings.some((t) => /two separate half-day/.test(t))).toBe(true);
    expect(readings.some((t) => /four separate half days in 2018/.test(t))).toBe(true);
  });

  it('Embedding has three in-school days and regular meetings; Sustaining six workshops a year', () => {
    for (const p of programmesFor({ phase: 'embedding' })) expect(p.inSchoolDays, p.id).toMatchObject({ min: 3, max: 3 });
    for (const p of programmesFor({ phase: 'sustaining' })) expect(p.sessions, p.id).toContainEqual(expect.objectContaining({ kind: 'workshop', min: 6, cadence: 'halfTermly' }));
    expect(byId('secondary-embedding-2021-22').sources).toEqual(['003']);
  });

  it('years no document describes are marked copies of a documented entry of the same route and phase', () => {
    const copies = catalogue.filter((p) => p.carriedFrom);
    expect(copies.length).toBeGreaterThan(0);
    for (const p of copies) {
      const from = byId(p.carriedFrom!);
      expect(from.carriedFrom, p.id).toBeUndefined();
      expect([from.route, from.phase]).toEqual([p.route, p.phase]);
      expect(p.sources).toEqual(['web']);
      expect(p.name).toMatch(/carried (forward|back) from/);
      expect(p.note).toContain(from.id);
      expect(p.deadlines.applicationsClose).toBeUndefined();
      expect(p.startsOn).toBeUndefined();
    }
  });
});

describe('lookups', () => {
  it('programmeById names an unknown id and lists the known ones', () => {
    expect(() => programmeById('primary-readiness-1999-00')).toThrow(ValidationError);
    try {
      programmeById('primary-readiness-1999-00');
    } catch (e) {
      expect((e as Error).message).toContain('primary-readiness-1999-00');
      expect((e as Error).message).toContain('secondary-development-2018-19');
    }
  });

  it('programmesFor filters by phase, route and year together', () => {
    const found = programmesFor({ route: 'secondary', academicYear: '2020/21' });
    expect(found.map((p) => p.phase)).toEqual(['development', 'embedding', 'sustaining']);
    expect(programmesFor({ phase: 'trg' }).map((p) => p.id)).toEqual(['primary-trg-2018-19']);
    expect(programmesFor({ route: 'secondary', phase: 'readiness' })).toEqual([]);
    expect(programmeFor('primary', 'readiness', '2017/18')).toBeNull();
  });

  it('walks the whole primary route from the 2018/19 TRG pilot to 2026/27', () => {
    const walk = routeFrom(byId('primary-trg-2018-19'));
    expect(walk.map((p) => p.phase)).toEqual(['trg', 'readiness', 'development', 'embedding', 'sustaining', 'sustaining', 'sustaining', 'sustaining', 'sustaining']);
    expect(walk.map((p) => p.academicYear)).toEqual(['2018/19', '2019/20', '2020/21', '2021/22', '2022/23', '2023/24', '2024/25', '2025/26', '2026/27']);
  });

  it('walks the primary route of the Readiness 2020/21 leaflet through its documented years', () => {
    const walk = routeFrom(byId('primary-readiness-2020-21')).map((p) => p.id);
    expect(walk.slice(0, 4)).toEqual(['primary-readiness-2020-21', 'primary-development-2021-22', 'primary-embedding-2022-23', 'primary-sustaining-2023-24']);
    expect(walk.at(-1)).toBe('primary-sustaining-2026-27');
  });

  it('walks the whole secondary route from 2018/19 to 2026/27', () => {
    const walk = routeFrom(byId('secondary-development-2018-19'));
    expect(walk.map((p) => p.phase)).toEqual(['development', 'embedding', ...Array(7).fill('sustaining')]);
    expect(walk.at(-1)!.academicYear).toBe(LAST_CATALOGUE_YEAR);
    const from2020 = routeFrom(byId('secondary-development-2020-21')).map((p) => p.id);
    expect(from2020.slice(0, 3)).toEqual(['secondary-development-2020-21', 'secondary-embedding-2021-22', 'secondary-sustaining-2022-23']);
  });

  it('from any entry a school can go on, year by year, to the end of the catalogue', () => {
    for (const p of catalogue) {
      const walk = routeFrom(p);
      expect(walk.at(-1)!.academicYear, p.id).toBe(LAST_CATALOGUE_YEAR);
      walk.slice(1).forEach((q, i) => expect(q.academicYear).toBe(nextAcademicYear(walk[i]!.academicYear)));
    }
  });

  it('nextProgramme is null past the catalogue, and refuses a route the programme is not on', () => {
    expect(nextProgramme(byId('secondary-sustaining-2026-27'))).toBeNull();
    expect(() => nextProgramme(byId('primary-trg-2018-19'), 'secondary')).toThrow(/route/);
    expect(nextPhase('sustaining', 'primary')).toBe('sustaining');
    expect(() => nextPhase('readiness' as PhaseKind, 'secondary')).toThrow(ValidationError);
  });
});

describe('Maths Hubs and programme facts', () => {
  it('lists the 35 hubs of seed 000 in 9 regions', () => {
    expect(hubs).toHaveLength(35);
    expect(regions).toHaveLength(9);
    expect(new Set(hubs.map((h) => h.id)).size).toBe(35);
    const sizes = Object.fromEntries(hubsByRegion().map((r) => [r.region, r.hubs.length]));
    expect(sizes).toEqual({
      'South West': 4,
      'West Midlands': 3,
      'North West': 4,
      'North East': 2,
      'Yorkshire and the Humber': 4,
      'East Midlands': 3,
      'East of England': 4,
      'South East': 5,
      London: 6,
    });
  });

  it('finds a hub by id or by name in any case, with or without "Maths Hub"', () => {
    const eme = hubById('east-midlands-east');
    expect(eme).toMatchObject({ name: 'East Midlands East Maths Hub', region: 'East Midlands', leadSchool: 'The Minster School, Southwell, Nottinghamshire' });
    expect(hubByName('East Midlands East')).toBe(eme);
    expect(hubByName('  east midlands EAST maths hub ')).toBe(eme);
    expect(hubByName('east-midlands-east')).toBe(eme);
    expect(hubByName('Bucks, Berks and Oxon Maths Hub').id).toBe('bucks-berks-and-oxon');
    expect(findHub('Atlantis')).toBeUndefined();
    expect(() => hubByName('Atlantis')).toThrow(/Atlantis/);
    expect(() => hubById('East Midlands East')).toThrow(ValidationError);
  });

  it('keeps the Five Big Ideas and the scale figures as data', () => {
    expect(FIVE_BIG_IDEAS).toEqual(['Coherence', 'Representation and Structure', 'Mathematical Thinking', 'Fluency', 'Variation']);
    expect(SCALE.schoolsInTfmWorkGroups).toMatchObject({ academicYear: '2024/25', primary: 8461, secondary: 2175 });
    expect(SCALE.mathsHubs.map((h) => h.count)).toEqual([35, 40]);
  });
});

describe('plain-English summaries', () => {
  it('describes meetings, money and group size as the table shows them', () => {
    expect(describeMeetings(byId('secondary-development-2020-21'))).toContain('>=4 half-day meetings Nov 2020-Jul 2021');
    expect(describeMeetings(byId('secondary-development-2018-19'))).toContain('>=10 release days incl. meetings');
    expect(describeMoney(byId('secondary-development-2018-19'))).toBe('£2,000 per department');
    expect(describeMoney(byId('primary-readiness-2020-21'))).toBe('none (£1,000 next year)');
    expect(describeMoney(byId('primary-trg-2018-19'))).toBe('none (school meets cover costs)');
    expect(describeGroup(byId('primary-trg-2018-19'))).toBe('up to 6 teachers: 3 schools x 2');
    expect(pounds(123_456)).toBe('£1,234.56');
  });
});
