/**
 * Form rules built from the catalogue (domain/forms/from-programme.ts): for
 * each seed form, the catalogue's programme of that year gives the rules the
 * seed gives (role rule and its words, limits, deadline, signatories), and a
 * criterion the seeds do not know is named by its label's longer words
 * (issue 15: the mutation run on this module left these untested).
 */
import { describe, expect, it } from 'vitest';
import { Programme } from '../domain/catalogue/schema.js';
import { programmeById } from '../domain/catalogue/programmes.js';
import { defaultRules, rulesFromProgramme, type FormKind } from '../domain/forms/index.js';
import { namesCriterion } from '../domain/forms/words.js';

const seedForms: [FormKind, string][] = [
  ['secondary-eoi-2018', 'secondary-development-2018-19'],
  ['secondary-development-2020', 'secondary-development-2020-21'],
  ['primary-readiness-2020', 'primary-readiness-2020-21'],
  ['primary-trg-eoi-2019', 'primary-trg-2018-19'],
];

describe('rules from the catalogue agree with the seed forms’ own rules', () => {
  it.each(seedForms)('%s from %s: the same role rule in the same words, year, route and phase', (kind, id) => {
    const programme = programmeById(id);
    const fromCatalogue = rulesFromProgramme(kind, programme);
    const seed = defaultRules[kind];
    const { source: _a, ...roles } = fromCatalogue.teacherRoles;
    const { source: _b, ...seedRoles } = seed.teacherRoles;
    expect(roles).toEqual(seedRoles);
    expect(fromCatalogue.teacherRoles.source).toBe(programme.sources[0]);
    expect(fromCatalogue).toMatchObject({ kind, title: programme.name, route: seed.route, phase: seed.phase, academicYear: seed.academicYear, signatories: seed.signatories, sources: programme.sources });
    // Seed 003 gives no statement limit for 2020/21: the form's rules carry the 2018/19 form's (000), the catalogue none.
    if (kind !== 'secondary-development-2020') expect(fromCatalogue.statements.map((s) => [s.statement, s.words, s.kind])).toEqual(seed.statements.map((s) => [s.statement, s.words, s.kind]));
    else expect(fromCatalogue.statements).toEqual([]);
    expect(fromCatalogue.eligibility === null).toBe(seed.eligibility === null);
    // What the catalogue does not hold comes from the seed form's rules.
    expect(fromCatalogue.defaultHub).toBe(seed.defaultHub);
  });
});

describe('a programme the seeds do not describe', () => {
  const programme = Programme.parse({
    ...programmeById('primary-readiness-2020-21'),
    id: 'primary-readiness-2030-31',
    academicYear: '2030/31',
    teacherRoles: 'none',
    deadlines: {},
    eligibility: { atLeast: 2, criteria: [{ id: 'ofstedRiOrInadequate', label: 'Ofsted: RI or worse' }, { id: 'coastal', label: 'A small school in a coastal community' }] },
  });
  const rules = rulesFromProgramme('primary-readiness-2020', programme);

  it('has no deadline when the catalogue gives none, and takes anyone as teachers under the programme’s first source', () => {
    expect(rules.deadline).toBeNull();
    expect(rules.teacherRoles).toEqual({ rule: 'none', anyOf: [], describe: 'anyone', source: programme.sources[0] });
  });

  it('keeps a known criterion’s keywords with the catalogue’s label, and names a new one by its longer words', () => {
    const [known, coastal] = rules.eligibility!.criteria;
    expect(known).toMatchObject({ id: 'ofstedRiOrInadequate', label: 'Ofsted: RI or worse' });
    expect(namesCriterion('We were judged Requires Improvement.', known!)).toBe(true);
    expect(coastal).toEqual({ id: 'coastal', label: 'A small school in a coastal community', keywords: ['small', 'school', 'coastal', 'community'] });
    expect(rules.eligibility).toMatchObject({ atLeast: 2, namedIn: 'headteacher', source: programme.sources[0] });
  });
});
