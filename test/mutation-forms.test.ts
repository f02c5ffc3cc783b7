/**
 * Tests added for the mutation run on domain/forms/ (checks.ts, validate.ts):
 * the cross-field rules whose refusals and warnings forms.test.ts did not
 * reach, each asserted as the applicant reads it (the field, the whole
 * sentence, the value, error or warning). Each case changes one thing in a
 * seed example that otherwise passes. Expected words are written out.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Problem } from '../domain/errors.js';
import { validateForm, type FormRules } from '../domain/forms/index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const load = (name: string): Json => JSON.parse(readFileSync(`examples/forms/${name}.json`, 'utf8'));

function check(name: string, change: (form: Json) => void, rules?: Partial<FormRules>): { ok: boolean; problems: Problem[] } {
  const form = load(name);
  change(form);
  const r = validateForm(form, rules);
  return { ok: r.ok, problems: r.problems };
}
const at = (problems: Problem[], path: string) => problems.filter((p) => p.path === path).map(({ message, severity, value }) => ({ message, severity, value }));

describe('two teachers', () => {
  it('warns when both teachers have the same name but different emails, and says nothing more when the emails are the same', () => {
    const r = check('secondary-eoi-2018', (f) => {
      f.teachers[1].name = 'david  OKAFOR';
      f.signatures.teacher2.name = 'david  OKAFOR';
    });
    expect(r.ok).toBe(true);
    expect(at(r.problems, 'teachers.1.name')).toEqual([
      { message: 'is the same name as teachers.0.name: check that two different teachers are meant', severity: 'warning', value: 'david  OKAFOR' },
    ]);
    const same = check('secondary-eoi-2018', (f) => {
      f.teachers[1].name = 'David Okafor';
      f.teachers[1].email = 'D.Okafor@trentside-academy.example';
    });
    expect(at(same.problems, 'teachers.1.name')).toEqual([]);
    expect(at(same.problems, 'teachers.1.email').map((p) => p.severity)).toEqual(['error']);
  });

  it('warns when a teacher said to be head of department is not the one the school names', () => {
    const r = check('secondary-eoi-2018', (f) => (f.teachers[0].name = 'Dana Other'));
    expect(at(r.problems, 'teachers.0.role')).toEqual([
      { message: 'is headOfDepartment but school.headOfDepartment.name is "David Okafor", not "Dana Other"', severity: 'warning', value: 'headOfDepartment' },
    ]);
    expect(at(check('secondary-eoi-2018', () => {}).problems, 'teachers.0.role')).toEqual([]);
  });

  it('judges the role rule on the pair: refuses two teachers of whom neither holds the role, naming the roles given', () => {
    const r = check('primary-readiness-2020', (f) => (f.teachers[0].role = 'teacher'));
    expect(r.ok).toBe(false);
    expect(at(r.problems, 'teachers')).toEqual([
      { message: 'must include the maths lead: one teacher\'s role must be mathsLead (seed 002)', severity: 'error', value: 'teacher, teacher' },
    ]);
    // The maths lead as the second teacher is as good as the first.
    expect(at(check('primary-readiness-2020', (f) => {
      f.teachers[0].role = 'teacher';
      f.teachers[1].role = 'mathsLead';
    }).problems, 'teachers')).toEqual([]);
  });
});

describe('Readiness eligibility', () => {
  it('warns about a criterion listed twice and counts it once', () => {
    const r = check('primary-readiness-2020', (f) => f.eligibility.criteria.push('highStaffTurnover'));
    expect(r.ok).toBe(true);
    expect(at(r.problems, 'eligibility.criteria.3')).toEqual([{ message: 'is listed twice', severity: 'warning', value: 'highStaffTurnover' }]);
  });

  it('refuses an unknown criterion by listing the known ones, without also saying too few were claimed', () => {
    const r = check('primary-readiness-2020', (f) => (f.eligibility.criteria = ['sunnyWeather']));
    expect(at(r.problems, 'eligibility.criteria.0')[0]).toMatchObject({
      message:
        'must be one of ofstedRiOrInadequate, lowMathsProgressOrAttainment, namedByLocalAuthority, lowSocialMobilityArea, needsMathsLeadershipSupport, highStaffTurnover, otherReason (seed 002)',
      severity: 'error',
    });
    expect(at(r.problems, 'eligibility.criteria')).toEqual([]);
    const none = check('primary-readiness-2020', (f) => (f.eligibility.criteria = []));
    expect(at(none.problems, 'eligibility.criteria')).toEqual([
      {
        message:
          'must claim at least 1 of the 7 eligibility criteria (seed 002): ofstedRiOrInadequate, lowMathsProgressOrAttainment, namedByLocalAuthority, lowSocialMobilityArea, needsMathsLeadershipSupport, highStaffTurnover, otherReason',
        severity: 'error',
        value: undefined,
      },
    ]);
  });

  it('warns about an other reason given without claiming otherReason', () => {
    const r = check('primary-readiness-2020', (f) => (f.eligibility.otherReason = 'a flood closed the school for a term'));
    expect(r.ok).toBe(true);
    expect(at(r.problems, 'eligibility.otherReason')).toEqual([
      { message: 'is given but eligibility.criteria does not claim otherReason', severity: 'warning', value: undefined },
    ]);
  });

  it('refuses a claimed criterion the headteacher statement does not name, with example words to use', () => {
    const r = check('primary-readiness-2020', (f) => f.eligibility.criteria.push('lowSocialMobilityArea'));
    expect(r.ok).toBe(false);
    expect(at(r.problems, 'statements.headteacher')).toEqual([
      {
        message:
          'must name each eligibility criterion the school claims, and does not name lowSocialMobilityArea ("Is in an area of low social mobility such as Opportunity Areas, Category 5/6 areas"): ' +
          'mention it, e.g. "social mobility", "opportunity area", "category 5" (seed 002)',
        severity: 'error',
        value: undefined,
      },
    ]);
  });

  it('asks for the other reason itself in the statement when otherReason is claimed', () => {
    const r = check('primary-readiness-2020', (f) => {
      f.eligibility.criteria.push('otherReason');
      f.eligibility.otherReason = 'the school was rebuilt after a fire';
    });
    expect(at(r.problems, 'statements.headteacher').map((p) => p.message)).toEqual([
      'must name each eligibility criterion the school claims, and does not name otherReason ("Another identifiable reason for being unable to engage in developing teaching for mastery yet"): mention the other reason (seed 002)',
    ]);
    const named = check('primary-readiness-2020', (f) => {
      f.eligibility.criteria.push('otherReason');
      f.eligibility.otherReason = 'high turnover of teaching staff';
    });
    expect(at(named.problems, 'statements.headteacher')).toEqual([]);
  });
});

describe('group applications', () => {
  it('refuses applying as a group with no schools and no relationship, saying what to add', () => {
    const r = check('primary-readiness-2020', (f) => {
      f.group.schools = [];
      f.group.relationship = ' ';
    });
    expect(r.ok).toBe(false);
    expect(at(r.problems, 'group.schools')).toEqual([
      { message: 'must name at least one school to be placed with when group.applying is yes (seed 002)', severity: 'error', value: undefined },
    ]);
    expect(at(r.problems, 'group.relationship').map((p) => [p.message, p.severity])).toContainEqual([
      'is required when group.applying is yes: describe the relationship to the schools named (seed 002)',
      'error',
    ]);
  });

  it('warns that schools and a relationship given with applying "no" are ignored', () => {
    const r = check('primary-readiness-2020', (f) => (f.group.applying = false));
    expect(r.ok).toBe(true);
    expect(at(r.problems, 'group.applying')).toEqual([{ message: 'is no, so the schools and relationship given are ignored', severity: 'warning', value: false }]);
    const onlyRelationship = check('primary-readiness-2020', (f) => {
      f.group.applying = false;
      f.group.schools = [];
    });
    expect(at(onlyRelationship.problems, 'group.applying').map((p) => p.severity)).toEqual(['warning']);
    const nothing = check('primary-readiness-2020', (f) => (f.group = { applying: false, schools: [] }));
    expect(at(nothing.problems, 'group.applying')).toEqual([]);
  });
});

describe('the Mastery Specialist answer', () => {
  it('warns about a name given when the school has not worked with one', () => {
    const r = check('secondary-eoi-2018', (f) => (f.masterySpecialist.workedWith = false));
    expect(r.ok).toBe(true);
    expect(at(r.problems, 'masterySpecialist.name')).toEqual([
      { message: 'is given but masterySpecialist.workedWith is no', severity: 'warning', value: 'Joanne Fielding' },
    ]);
  });
});

describe('signatures and dates', () => {
  it('refuses a missing signature naming who must sign, and a signature dated after the form was sent', () => {
    const r = check('primary-readiness-2020', (f) => {
      delete f.signatures.teacher2;
      f.signatures.teacher1.signedOn = '2020-03-21';
    });
    expect(at(r.problems, 'signatures.teacher2')).toEqual([
      { message: 'is missing: teacher 2 must sign the commitment on the form', severity: 'error', value: undefined },
    ]);
    expect(at(r.problems, 'signatures.teacher1.signedOn')).toEqual([
      { message: 'must be on or before submittedOn 2020-03-20: the form is signed before it is sent', severity: 'error', value: '2020-03-21' },
    ]);
    // Signed on the day it was sent is fine.
    expect(at(check('primary-readiness-2020', (f) => (f.signatures.teacher1.signedOn = '2020-03-20')).problems, 'signatures.teacher1.signedOn')).toEqual([]);
  });

  it('refuses a signature by someone other than the person the form names there', () => {
    const r = check('primary-readiness-2020', (f) => (f.signatures.headteacher.name = 'Sam Deputy'));
    expect(at(r.problems, 'signatures.headteacher.name')).toEqual([
      { message: 'must be the name of the headteacher on the form, "Sarah Whitfield" (school.headteacher.name)', severity: 'error', value: 'Sam Deputy' },
    ]);
  });

  it('accepts a form sent on the deadline day and refuses one sent the day after, quoting the rule', () => {
    const deadline = { date: '2020-03-20', source: 'hub' as const, quote: 'by Friday 20 March' };
    expect(check('primary-readiness-2020', () => {}, { deadline }).ok).toBe(true);
    const late = check('primary-readiness-2020', (f) => {
      f.submittedOn = '2020-03-21';
      for (const s of Object.values(f.signatures) as Json[]) s.signedOn = '2020-03-20';
    }, { deadline });
    expect(at(late.problems, 'submittedOn')).toEqual([
      { message: 'is after the application deadline 2020-03-20 (set by the hub: "by Friday 20 March")', severity: 'error', value: '2020-03-21' },
    ]);
    const noQuote = check('primary-readiness-2020', (f) => (f.submittedOn = '2020-03-21'), { deadline: { date: '2020-03-20', source: '002' } });
    expect(at(noQuote.problems, 'submittedOn').map((p) => p.message)).toEqual(['is after the application deadline 2020-03-20 (seed 002)']);
  });
});

describe('statements in words', () => {
  it('warns, not refuses, a statement over "about N" words, and refuses one over "up to N"', () => {
    const long = Array.from({ length: 301 }, (_, i) => `w${i}`).join(' ');
    const about = check('secondary-eoi-2018', (f) => (f.statements.headOfDepartment = long), {
      statements: [{ statement: 'headOfDepartment', words: 300, kind: 'about', source: 'hub' }],
    });
    expect(about.ok).toBe(true);
    expect(at(about.problems, 'statements.headOfDepartment')).toEqual([
      { message: 'has 301 words, more than the "about 300 words" asked for (set by the hub): a warning, the form is still accepted', severity: 'warning', value: undefined },
    ]);
    const upTo = check('secondary-eoi-2018', (f) => (f.statements.headOfDepartment = long), {
      statements: [{ statement: 'headOfDepartment', words: 300, kind: 'upTo', source: '000' }],
    });
    expect(at(upTo.problems, 'statements.headOfDepartment')).toEqual([
      { message: 'must be up to 300 words (seed 000); the head of department statement has 301', severity: 'error', value: undefined },
    ]);
    // Exactly N words is within both.
    const exact = long.split(' ').slice(0, 300).join(' ');
    for (const kind of ['about', 'upTo'] as const) {
      const r = check('secondary-eoi-2018', (f) => (f.statements.headOfDepartment = exact), { statements: [{ statement: 'headOfDepartment', words: 300, kind, source: 'hub' }] });
      expect(at(r.problems, 'statements.headOfDepartment')).toEqual([]);
    }
  });
});

describe('rules for another kind of form', () => {
  it('refuses rules meant for another kind, naming the kind they are for', () => {
    const r = validateForm(load('secondary-eoi-2018'), { kind: 'primary-readiness-2020' });
    expect(r).toEqual({
      ok: false,
      kind: 'secondary-eoi-2018',
      problems: [{ path: 'kind', message: 'must be primary-readiness-2020: the rules given are for that kind of form', value: 'secondary-eoi-2018', severity: 'error' }],
    });
  });
});
