/**
 * The application forms: the seed examples pass, each rule fails with its field
 * path and message, every problem comes back at once, and "about N" overruns
 * warn without failing.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sentence, type Problem } from '../domain/errors.js';
import { Programme } from '../domain/catalogue/schema.js';
import { programmeById } from '../domain/catalogue/programmes.js';
import { SchoolDetails, Teacher } from '../machines/events.js';
import { countWords, defaultRules, formToApplication, rulesFromProgramme, validateForm, type FormKind, type FormRules } from '../domain/forms/index.js';

const EXAMPLES = 'examples/forms';
const KINDS: FormKind[] = ['secondary-eoi-2018', 'secondary-development-2020', 'primary-readiness-2020', 'primary-trg-eoi-2019'];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

function load(name: string): Json {
  return JSON.parse(readFileSync(`${EXAMPLES}/${name}.json`, 'utf8'));
}

function errorsOf(problems: Problem[]): Problem[] {
  return problems.filter((p) => p.severity === 'error');
}

/** Validates a changed copy of an example and returns its problems. */
function problemsAfter(name: string, change: (form: Json) => void, rules?: Partial<FormRules>): Problem[] {
  const form = load(name);
  change(form);
  return validateForm(form, rules).problems;
}

function only(problems: Problem[], path: string): Problem[] {
  return problems.filter((p) => p.path === path);
}

/** `n` words of plain text. */
function words(n: number): string {
  return Array.from({ length: n }, (_, i) => `word${i}`).join(' ');
}

describe('valid seed examples', () => {
  it.each(KINDS)('%s passes with no problems', (kind) => {
    const r = validateForm(load(kind));
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.kind).toBe(kind);
    expect(r.form?.kind).toBe(kind);
  });

  it.each(KINDS)('%s maps to an application the APPLY event accepts', (kind) => {
    const r = validateForm(load(kind));
    const app = formToApplication(r.form!);
    expect(SchoolDetails.parse(app.school)).toEqual(app.school);
    for (const t of app.teachers) expect(Teacher.parse(t)).toEqual(t);
    expect(app.urn).toMatch(/^\d{6}$/);
    expect(app.teachers).toHaveLength(2);
    expect(app.route).toBe(defaultRules[kind].route);
    expect(app.phase).toBe(defaultRules[kind].phase);
    expect(app.academicYear).toBe(defaultRules[kind].academicYear);
  });

  it('maps the readiness example field by field', () => {
    const app = formToApplication(validateForm(load('primary-readiness-2020')).form!);
    expect(app).toEqual({
      urn: '122657',
      school: {
        name: 'Hollybrook Primary School',
        route: 'primary',
        hub: 'East Midlands East Maths Hub',
        localAuthority: 'Nottinghamshire',
        headteacher: { name: 'Sarah Whitfield', email: 'head@hollybrook-primary.example' },
      },
      teachers: [
        { name: 'Tom Bradley', email: 't.bradley@hollybrook-primary.example', role: 'mathsLead' },
        { name: 'Nadia Kowalski', email: 'n.kowalski@hollybrook-primary.example', role: 'teacher' },
      ],
      groupWith: ['122660', 'Forest Town Primary School'],
      route: 'primary',
      phase: 'readiness',
      academicYear: '2020/21',
    });
  });

  it('gives a secondary school its head of department and no group', () => {
    const app = formToApplication(validateForm(load('secondary-eoi-2018')).form!);
    expect(app.school.headOfDepartment).toEqual({ name: 'David Okafor', email: 'd.okafor@trentside-academy.example' });
    expect(app.school.localAuthority).toBeUndefined();
    expect(app.groupWith).toEqual([]);
  });

  it('sends a TRG form with no hub to Cambridge Maths Hub (seed 004)', () => {
    const form = load('primary-trg-eoi-2019');
    delete form.school.hub;
    const r = validateForm(form);
    expect(r.ok).toBe(true);
    expect(formToApplication(r.form!).school.hub).toBe('Cambridge Maths Hub');
  });

  it('drops the group when the school does not apply as a group', () => {
    const form = load('primary-readiness-2020');
    form.group = { applying: false };
    const r = validateForm(form);
    expect(r.problems).toEqual([]);
    expect(formToApplication(r.form!).groupWith).toEqual([]);
  });

  it('trims text fields', () => {
    const form = load('secondary-eoi-2018');
    form.school.name = '  Trentside Academy  ';
    form.school.urn = ' 138412 ';
    expect(validateForm(form).form?.school).toMatchObject({ name: 'Trentside Academy', urn: '138412' });
  });
});

describe('school fields', () => {
  it('wants a URN of exactly 6 digits', () => {
    const [p] = only(problemsAfter('primary-readiness-2020', (f) => (f.school.urn = '12345')), 'school.urn');
    expect(p).toMatchObject({ message: 'must be exactly 6 digits (the school URN)', value: '12345', severity: 'error' });
    expect(only(problemsAfter('primary-readiness-2020', (f) => (f.school.urn = '1234567')), 'school.urn')).toHaveLength(1);
    expect(only(problemsAfter('primary-readiness-2020', (f) => (f.school.urn = '12a456')), 'school.urn')).toHaveLength(1);
  });

  it('wants the URN written as a string', () => {
    const [p] = only(problemsAfter('primary-readiness-2020', (f) => (f.school.urn = 122657)), 'school.urn');
    expect(p?.message).toBe('must be a string, not a number');
    expect(p?.value).toBe(122657);
  });

  it.each(['01636 814000', '+44 1636 814000', '+44 (0)1636 814000', '0044 1636 814000', '07700 900123', '020 7946 0000', '0191-498-0231'])('accepts the UK phone number %s', (phone) => {
    expect(only(problemsAfter('secondary-eoi-2018', (f) => (f.school.phone = phone)), 'school.phone')).toEqual([]);
  });

  it.each(['0123', '1636 814000', '+33 1 42 68 53 00', '01636 8140001234', 'call reception', '00000000000'])('refuses %s as a UK phone number', (phone) => {
    const [p] = only(problemsAfter('secondary-eoi-2018', (f) => (f.school.phone = phone)), 'school.phone');
    expect(p).toMatchObject({ message: expect.stringContaining('must be a UK phone number'), value: phone });
  });

  it('names a missing headteacher email as required', () => {
    const [p] = only(problemsAfter('primary-trg-eoi-2019', (f) => delete f.school.headteacher.email), 'school.headteacher.email');
    expect(p?.message).toBe('is required');
  });

  it('needs the local authority on the Readiness form (seed 002)', () => {
    expect(only(problemsAfter('primary-readiness-2020', (f) => delete f.school.localAuthority), 'school.localAuthority')).toHaveLength(1);
  });

  it('needs the head of department on a secondary form (seed 000)', () => {
    expect(only(problemsAfter('secondary-development-2020', (f) => delete f.school.headOfDepartment), 'school.headOfDepartment')[0]?.message).toBe('is required');
  });

  it('warns when the address has no postcode', () => {
    const problems = problemsAfter('primary-readiness-2020', (f) => (f.school.address = 'Hollybrook Lane, Mansfield'));
    expect(only(problems, 'school.address')).toMatchObject([{ severity: 'warning', message: 'should include the postcode' }]);
  });

  it('checks the hub against the known hubs when the host gives them', () => {
    const knownHubs = ['East Midlands East Maths Hub', 'Great North Maths Hub'];
    expect(validateForm(load('primary-readiness-2020'), { knownHubs }).ok).toBe(true);
    const form = load('primary-readiness-2020');
    form.school.hub = 'east midlands east';
    expect(validateForm(form, { knownHubs }).ok).toBe(true);
    form.school.hub = 'Atlantis Maths Hub';
    const [p] = only(validateForm(form, { knownHubs }).problems, 'school.hub');
    expect(p).toMatchObject({ value: 'Atlantis Maths Hub', severity: 'error', message: expect.stringContaining('must be one of the 2 Maths Hubs') });
  });

  it('reports a misspelt field instead of dropping it', () => {
    const [p] = only(problemsAfter('secondary-eoi-2018', (f) => (f.school.adress = 'x')), 'school');
    expect(p?.message).toBe('has unknown field(s): "adress"');
  });
});

describe('teachers', () => {
  it('writes a bad email as field path, rule and value', () => {
    const [p] = only(problemsAfter('primary-readiness-2020', (f) => (f.teachers[1].email = 'bob@')), 'teachers.1.email');
    expect(sentence(p!)).toBe('teachers.1.email must be an email address (got "bob@").');
  });

  it('needs exactly two teachers', () => {
    const [one] = only(problemsAfter('primary-trg-eoi-2019', (f) => f.teachers.pop()), 'teachers');
    expect(one?.message).toBe('must list exactly two teachers (seed 004)');
    const [three] = only(problemsAfter('secondary-eoi-2018', (f) => f.teachers.push(f.teachers[1])), 'teachers');
    expect(three?.message).toBe('must list exactly two teachers (seed 000)');
  });

  it('needs two different teachers', () => {
    const problems = problemsAfter('secondary-eoi-2018', (f) => (f.teachers[1].email = f.teachers[0].email.toUpperCase()));
    expect(only(problems, 'teachers.1.email')[0]?.message).toContain('must differ from teachers.0.email');
  });

  it('needs the NCETM username on the Readiness form (seed 002)', () => {
    expect(only(problemsAfter('primary-readiness-2020', (f) => delete f.teachers[0].ncetmUsername), 'teachers.0.ncetmUsername')[0]?.message).toBe('is required');
  });

  it('keeps year groups to the phase', () => {
    const [p] = only(problemsAfter('primary-readiness-2020', (f) => (f.teachers[0].yearGroups = ['Y7'])), 'teachers.0.yearGroups.0');
    expect(p).toMatchObject({ message: 'must be one of R, Y1, Y2, Y3, Y4, Y5, Y6', value: 'Y7' });
    expect(only(problemsAfter('secondary-eoi-2018', (f) => (f.teachers[0].yearGroups = [])), 'teachers.0.yearGroups')[0]?.message).toBe('must list at least one year group taught');
    expect(only(problemsAfter('secondary-eoi-2018', (f) => (f.teachers[0].yearGroups = ['Y7', 'Y7'])), 'teachers.0.yearGroups')[0]?.message).toBe('must not list a year group twice');
  });

  it('refuses a role outside the vocabulary', () => {
    const [p] = only(problemsAfter('secondary-eoi-2018', (f) => (f.teachers[0].role = 'HoD')), 'teachers.0.role');
    expect(p).toMatchObject({ value: 'HoD', message: expect.stringContaining('must be one of headOfDepartment, secondInDepartment, ks3Lead') });
  });

  it('secondary: one Mastery Advocate must be experienced (seed 000)', () => {
    const problems = problemsAfter('secondary-eoi-2018', (f) => {
      f.teachers[0].role = 'teacher';
    });
    const [p] = only(problems, 'teachers');
    expect(p).toMatchObject({ severity: 'error', value: 'teacher, recentlyQualified' });
    expect(p?.message).toContain('must include one experienced Mastery Advocate');
    expect(p?.message).toContain('(seed 000)');
  });

  it.each(['headOfDepartment', 'secondInDepartment', 'ks3Lead', 'otherExperienced'])('secondary: %s counts as the experienced advocate', (role) => {
    const problems = problemsAfter('secondary-development-2020', (f) => {
      f.teachers[0].role = role;
      f.teachers[0].name = 'Claire Robson';
      f.signatures.teacher1.name = 'Claire Robson';
    });
    expect(problems).toEqual([]);
  });

  it('secondary: warns when the head-of-department advocate is not the head of department named', () => {
    const problems = problemsAfter('secondary-eoi-2018', (f) => (f.school.headOfDepartment.name = 'Someone Else'));
    expect(only(problems, 'teachers.0.role')).toMatchObject([{ severity: 'warning' }]);
  });

  it('Readiness: one teacher must be the maths lead (seed 002)', () => {
    const [p] = only(problemsAfter('primary-readiness-2020', (f) => (f.teachers[0].role = 'seniorLeader')), 'teachers');
    expect(p?.message).toBe("must include the maths lead: one teacher's role must be mathsLead (seed 002)");
  });

  it('TRG: one of the pair must be the subject leader or SMT (seed 004)', () => {
    const [p] = only(problemsAfter('primary-trg-eoi-2019', (f) => (f.teachers[0].role = 'teacher')), 'teachers');
    expect(p?.message).toContain('the subject leader or a member of SMT');
    expect(problemsAfter('primary-trg-eoi-2019', (f) => ((f.teachers[0].role = 'teacher'), (f.teachers[1].role = 'seniorLeader')))).toEqual([]);
  });
});

describe('statements and word limits', () => {
  it('counts words as a reader would', () => {
    expect(countWords('  well-being in 2020/21 – e.g. ten  ')).toBe(5);
    expect(countWords('— • ...')).toBe(0);
    expect(countWords('')).toBe(0);
  });

  it('"up to 250 words" is an error at 251 (seed 002)', () => {
    const at250 = problemsAfter('primary-readiness-2020', (f) => (f.statements.headteacher = `${f.statements.headteacher} ${words(250 - countWords(f.statements.headteacher))}`));
    expect(only(at250, 'statements.headteacher')).toEqual([]);
    const at251 = problemsAfter('primary-readiness-2020', (f) => (f.statements.headteacher = `${f.statements.headteacher} ${words(251 - countWords(f.statements.headteacher))}`));
    expect(only(at251, 'statements.headteacher')).toEqual([
      { path: 'statements.headteacher', message: 'must be up to 250 words (seed 002); the headteacher statement has 251', severity: 'error', value: undefined },
    ]);
  });

  it('"about 150 words" warns whenever 150 is exceeded (160 warns) and stays ok (seed 000)', () => {
    const at150 = validateForm({ ...load('secondary-eoi-2018'), statements: { headOfDepartment: words(150) } });
    expect(at150.problems).toEqual([]);
    for (const n of [151, 160, 166]) {
      const over = validateForm({ ...load('secondary-eoi-2018'), statements: { headOfDepartment: words(n) } });
      expect(over.ok).toBe(true);
      expect(over.form).toBeDefined();
      expect(over.problems).toEqual([
        { path: 'statements.headOfDepartment', message: `has ${n} words, more than the "about 150 words" asked for (seed 000): a warning, the form is still accepted`, severity: 'warning' },
      ]);
    }
  });

  it('"about 100 words" applies to each TRG statement (seed 004)', () => {
    const r = validateForm({ ...load('primary-trg-eoi-2019'), statements: { teacher1: words(111), teacher2: words(100), headteacher: words(101) } });
    expect(r.ok).toBe(true);
    expect(r.problems.map((p) => [p.path, p.severity])).toEqual([
      ['statements.teacher1', 'warning'],
      ['statements.headteacher', 'warning'],
    ]);
  });

  it('only "up to N" limits are errors: "about N" statements far over their limit still only warn', () => {
    const r = validateForm({ ...load('primary-trg-eoi-2019'), statements: { teacher1: words(400), teacher2: words(400), headteacher: words(400) } });
    expect(r.ok).toBe(true);
    expect(r.problems.every((p) => p.severity === 'warning')).toBe(true);
  });

  it('a statement must have words', () => {
    expect(only(problemsAfter('primary-trg-eoi-2019', (f) => (f.statements.teacher2 = '   ')), 'statements.teacher2')[0]?.message).toBe('must not be empty');
    expect(only(problemsAfter('primary-trg-eoi-2019', (f) => (f.statements.teacher2 = '— …')), 'statements.teacher2')[0]?.message).toContain('must be written in words');
  });

  it('a hub may set its own limit', () => {
    const problems = validateForm(load('secondary-eoi-2018'), { statements: [{ statement: 'headOfDepartment', words: 100, kind: 'upTo', source: 'hub' }] }).problems;
    expect(problems).toEqual([
      { path: 'statements.headOfDepartment', message: 'must be up to 100 words (set by the hub); the head of department statement has 142', severity: 'error', value: undefined },
    ]);
  });
});

describe('Readiness eligibility (seed 002)', () => {
  it('needs at least one criterion', () => {
    const [p] = only(problemsAfter('primary-readiness-2020', (f) => (f.eligibility.criteria = [])), 'eligibility.criteria');
    expect(p?.message).toContain('must claim at least 1 of the 7 eligibility criteria (seed 002): ofstedRiOrInadequate, lowMathsProgressOrAttainment, namedByLocalAuthority');
  });

  it('refuses an unknown criterion', () => {
    const [p] = only(problemsAfter('primary-readiness-2020', (f) => f.eligibility.criteria.push('smallSchool')), 'eligibility.criteria.3');
    expect(p).toMatchObject({ value: 'smallSchool', severity: 'error' });
    expect(p?.message).toContain('must be one of ofstedRiOrInadequate');
  });

  it('the headteacher statement must name each criterion claimed', () => {
    const problems = problemsAfter('primary-readiness-2020', (f) => f.eligibility.criteria.push('lowSocialMobilityArea', 'namedByLocalAuthority'));
    const named = only(problems, 'statements.headteacher');
    expect(named).toHaveLength(2);
    expect(named[0]?.message).toContain('does not name lowSocialMobilityArea ("Is in an area of low social mobility such as Opportunity Areas, Category 5/6 areas")');
    expect(named[1]?.message).toContain('does not name namedByLocalAuthority');
  });

  it.each([
    ['ofstedRiOrInadequate', 'Our last OFSTED report judged us RI.'],
    ['ofstedRiOrInadequate', 'We were found to require improvement, in fact Requires-Improvement.'],
    ['lowMathsProgressOrAttainment', 'Attainment in maths is low.'],
    ['namedByLocalAuthority', 'The Local Authority suggested we apply.'],
    ['lowSocialMobilityArea', 'We are in an Opportunity Area.'],
    ['lowSocialMobilityArea', 'The ward is a category 5/6 area.'],
    ['needsMathsLeadershipSupport', 'Maths leadership needs support.'],
    ['highStaffTurnover', 'Staff turnover is high.'],
  ])('%s is named by "%s"', (criterion, statement) => {
    const problems = problemsAfter('primary-readiness-2020', (f) => {
      f.eligibility.criteria = [criterion];
      f.statements.headteacher = statement;
    });
    expect(problems).toEqual([]);
  });

  it('does not take part of a word for a keyword', () => {
    const problems = problemsAfter('primary-readiness-2020', (f) => {
      f.eligibility.criteria = ['ofstedRiOrInadequate'];
      f.statements.headteacher = 'Our pupils deserve a rich and bright maths curriculum.';
    });
    expect(only(problems, 'statements.headteacher')).toHaveLength(1);
  });

  it('another reason needs its description, and the statement names it in its own words', () => {
    const missing = problemsAfter('primary-readiness-2020', (f) => (f.eligibility.criteria = ['otherReason']));
    expect(only(missing, 'eligibility.otherReason')[0]?.message).toContain('is required when eligibility.criteria claims otherReason');
    const named = problemsAfter('primary-readiness-2020', (f) => {
      f.eligibility = { criteria: ['otherReason'], otherReason: 'The school was rebuilt after a flood' };
      f.statements.headteacher = 'Since the flood we have been teaching in temporary classrooms.';
    });
    expect(named).toEqual([]);
    const unnamed = problemsAfter('primary-readiness-2020', (f) => {
      f.eligibility = { criteria: ['otherReason'], otherReason: 'The school was rebuilt after a flood' };
      f.statements.headteacher = 'We want to teach maths well.';
    });
    expect(only(unnamed, 'statements.headteacher')[0]?.message).toContain('does not name otherReason');
  });
});

describe('group application (seed 002)', () => {
  it('a group application names the schools and the relationship', () => {
    const problems = problemsAfter('primary-readiness-2020', (f) => (f.group = { applying: true }));
    expect(errorsOf(problems).map((p) => p.path)).toEqual(['group.schools', 'group.relationship']);
  });

  it('the applying school is not one of its own group', () => {
    const problems = problemsAfter('primary-readiness-2020', (f) => (f.group.schools[0].urn = '122657'));
    expect(only(problems, 'group.schools.0.urn')[0]?.message).toBe('is the applying school itself: name the other schools');
  });

  it('warns when schools are listed but the answer is no', () => {
    const r = validateForm({ ...load('primary-readiness-2020'), group: { applying: false, schools: [{ name: 'Oak Tree Primary School' }] } });
    expect(r.ok).toBe(true);
    expect(r.problems).toMatchObject([{ path: 'group.applying', severity: 'warning' }]);
  });

  it('yes/no is a boolean', () => {
    const [p] = only(problemsAfter('primary-readiness-2020', (f) => (f.group.applying = 'Yes')), 'group.applying');
    expect(p).toMatchObject({ message: 'must be true (yes) or false (no)', value: 'Yes' });
  });
});

describe('Mastery Specialist engagement (seed 000)', () => {
  it('yes needs the specialist named', () => {
    const problems = problemsAfter('secondary-eoi-2018', (f) => delete f.masterySpecialist.name);
    expect(only(problems, 'masterySpecialist.name')[0]?.message).toBe('is required when masterySpecialist.workedWith is yes: name the Mastery Specialist (seed 000)');
  });
});

describe('signatures', () => {
  it('every signatory of the form must sign', () => {
    const problems = problemsAfter('secondary-eoi-2018', (f) => {
      delete f.signatures.headOfDepartment;
      delete f.signatures.teacher2;
    });
    expect(errorsOf(problems)).toEqual([
      { path: 'signatures.headOfDepartment', message: 'is missing: the head of department must sign the commitment on the form', severity: 'error', value: undefined },
      { path: 'signatures.teacher2', message: 'is missing: teacher 2 must sign the commitment on the form', severity: 'error', value: undefined },
    ]);
  });

  it('a head of department signature is not part of the primary forms', () => {
    const problems = problemsAfter('primary-readiness-2020', (f) => (f.signatures.headOfDepartment = { name: 'X', signedOn: '2020-03-19' }));
    expect(only(problems, 'signatures')[0]?.message).toBe('has unknown field(s): "headOfDepartment"');
  });

  it("the signer must be the person named on the form", () => {
    const [p] = only(problemsAfter('primary-trg-eoi-2019', (f) => (f.signatures.teacher2.name = 'Lucy Chan')), 'signatures.teacher2.name');
    expect(sentence(p!)).toBe('signatures.teacher2.name must be the name of teacher 2 on the form, "Lucy Chen" (teachers.1.name) (got "Lucy Chan").');
  });

  it('ignores case, accents, punctuation and a title when matching names', () => {
    const problems = problemsAfter('primary-trg-eoi-2019', (f) => {
      f.signatures.headteacher.name = 'Mrs. RACHEL   green';
      f.teachers[1].name = 'Zoë Chen';
      f.signatures.teacher2.name = 'zoe chen';
    });
    expect(problems).toEqual([]);
  });

  it('a form is signed before it is submitted', () => {
    const [p] = only(problemsAfter('primary-trg-eoi-2019', (f) => (f.signatures.teacher1.signedOn = '2019-02-28')), 'signatures.teacher1.signedOn');
    expect(p).toMatchObject({ value: '2019-02-28', message: 'must be on or before submittedOn 2019-02-27: the form is signed before it is sent' });
  });

  it('a signature date is a real date', () => {
    const [p] = only(problemsAfter('primary-trg-eoi-2019', (f) => (f.signatures.teacher1.signedOn = '2019-02-30')), 'signatures.teacher1.signedOn');
    expect(p).toMatchObject({ value: '2019-02-30', message: 'must be a real date written YYYY-MM-DD' });
  });
});

describe('submission date against the deadline', () => {
  it.each([
    ['secondary-eoi-2018', '2018-06-15', '2018-06-16', 'is after the application deadline 2018-06-15 (seed 000: "Deadline 15th June 2018")'],
    ['secondary-development-2020', '2020-07-13', '2020-07-14', 'is after the application deadline 2020-07-13 (seed 003: "submit ... by Monday 13th July 2020")'],
    ['primary-trg-eoi-2019', '2019-03-06', '2019-03-07', 'is after the application deadline 2019-03-06 (seed 004: "return ... by March 6th 2019")'],
    ['primary-readiness-2020', '2021-08-31', '2021-09-01', 'is after the 2020/21 programme year ended on 2021-08-31'],
  ] as const)('%s: %s is in time, %s is late', (kind, lastDay, late, message) => {
    const onTime = validateForm({ ...load(kind), submittedOn: lastDay });
    expect(only(onTime.problems, 'submittedOn')).toEqual([]);
    const lateForm = load(kind);
    lateForm.submittedOn = late;
    const [p] = only(validateForm(lateForm).problems, 'submittedOn');
    expect(p).toEqual({ path: 'submittedOn', message, value: late, severity: 'error' });
    expect(sentence(p!)).toContain(late);
  });

  it("a hub's own deadline replaces the default", () => {
    const rules = { deadline: { date: '2020-03-13', source: 'hub' as const } };
    const [p] = only(validateForm(load('primary-readiness-2020'), rules).problems, 'submittedOn');
    expect(p?.message).toBe('is after the application deadline 2020-03-13 (set by the hub)');
  });

  it('refuses rules meant for another kind of form', () => {
    const r = validateForm(load('primary-readiness-2020'), defaultRules['secondary-eoi-2018']);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([{ path: 'kind', message: 'must be secondary-eoi-2018: the rules given are for that kind of form', value: 'primary-readiness-2020', severity: 'error' }]);
  });

  it('a form submitted 2020-03-20 is not accepted into primary-readiness-2026-27: applications for a year open on 1 September of the year before', () => {
    const rules = rulesFromProgramme('primary-readiness-2020', programmeById('primary-readiness-2026-27'));
    const early = { ...load('primary-readiness-2020'), submittedOn: '2020-03-20' };
    const [p] = only(validateForm(early, rules).problems, 'submittedOn');
    expect(p).toEqual({
      path: 'submittedOn',
      message: 'is before applications for the 2026/27 programme could open on 2025-09-01: a form is submitted in the programme year or the year before it (rule academicYear)',
      value: '2020-03-20',
      severity: 'error',
    });
    expect(validateForm(early, rules).ok).toBe(false);
    // 1 September 2025 is the first day; the form's own year (2020/21) takes it from 1 September 2019.
    expect(only(validateForm({ ...early, submittedOn: '2025-09-01' }, rules).problems, 'submittedOn')).toEqual([]);
    expect(only(validateForm({ ...early, submittedOn: '2019-08-31' }).problems, 'submittedOn')[0]?.message).toContain('could open on 2019-09-01');
  });

  it('the submission date is a real date', () => {
    const [p] = only(problemsAfter('secondary-eoi-2018', (f) => (f.submittedOn = '15/06/2018')), 'submittedOn');
    expect(p?.message).toBe('must be a real date written YYYY-MM-DD');
  });
});

describe('the kind of form', () => {
  it('an unknown kind lists the known ones', () => {
    const r = validateForm({ kind: 'primary-embedding-2022' });
    expect(r.ok).toBe(false);
    expect(r.kind).toBeUndefined();
    expect(r.problems).toEqual([
      { path: 'kind', severity: 'error', value: 'primary-embedding-2022', message: 'must be one of "secondary-eoi-2018", "secondary-development-2020", "primary-readiness-2020", "primary-trg-eoi-2019"' },
    ]);
  });

  it('a missing kind is required', () => {
    expect(validateForm({ school: {} }).problems[0]).toMatchObject({ path: 'kind', message: expect.stringMatching(/^is required: one of "secondary-eoi-2018"/) });
  });

  it.each([null, 42, 'form', [1, 2]])('%j is not a form', (input) => {
    const r = validateForm(input);
    expect(r.ok).toBe(false);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ path: '(root)', severity: 'error', message: expect.stringMatching(/^must be an object/) });
  });
});

describe('several problems at once', () => {
  it('bad-readiness.json reports every one of its problems in one pass', () => {
    const r = validateForm(load('bad-readiness'));
    expect(r.ok).toBe(false);
    expect(r.kind).toBe('primary-readiness-2020');
    const paths = errorsOf(r.problems).map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'school.urn', // 5 digits
        'school.phone',
        'teachers.1.email', // "bob@"
        'teachers', // no maths lead
        'statements.headteacher', // over 250 words, and names neither criterion claimed
        'group.relationship',
        'signatures.headteacher.name',
        'signatures.teacher2', // missing
        'submittedOn', // after the programme year
      ]),
    );
    expect(only(r.problems, 'statements.headteacher').map((p) => p.message)).toEqual([
      expect.stringContaining('must be up to 250 words'),
      expect.stringContaining('does not name namedByLocalAuthority'),
      expect.stringContaining('does not name lowSocialMobilityArea'),
    ]);
    expect(r.form).toBeUndefined();
  });

  it('bad-secondary.json reports its errors and its warning together', () => {
    const r = validateForm(load('bad-secondary'));
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => `${p.severity} ${p.path}`)).toEqual([
      'error school.phone',
      'error teachers.0.yearGroups.0',
      'error (root)',
      'error teachers.1.email',
      'error teachers',
      'error masterySpecialist.name',
      'error signatures.headOfDepartment.name',
      'error signatures.teacher1.signedOn',
      'error submittedOn',
      'warning statements.headOfDepartment',
    ]);
  });

  it('field errors do not hide cross-field errors', () => {
    const problems = problemsAfter('secondary-eoi-2018', (f) => {
      f.school.urn = 'abc';
      f.submittedOn = '2018-07-01';
      f.teachers[0].role = 'teacher';
    });
    expect(errorsOf(problems).map((p) => p.path)).toEqual(['school.urn', 'teachers', 'submittedOn']);
  });
});

describe('rules from a catalogue programme', () => {
  const programme = Programme.parse({
    id: 'pri-ready-2021',
    name: 'Primary Mastery Readiness 2021/22',
    phase: 'readiness',
    route: 'primary',
    academicYear: '2021/22',
    leader: 'Mastery Readiness Lead',
    group: { maxSchools: 8, teachersPerSchool: 2 },
    teacherRoles: 'oneIsMathsLead',
    sessions: [{ kind: 'workshop', min: 3, cadence: 'halfTermly', source: ['002'] }],
    funding: null,
    deadlines: { applicationsClose: '2021-07-16' },
    eligibility: { atLeast: 1, criteria: [{ id: 'highStaffTurnover', label: 'High staff turnover' }, { id: 'newToTheHub', label: 'Recently joined the hub network' }] },
    statements: [{ who: 'headteacher', words: 200, kind: 'upTo', source: 'web' }],
    signatories: ['headteacher', 'teacher1', 'teacher2'],
    evaluation: { required: true, due: 'endOfYear', what: 'evaluation' },
    sources: ['web'],
  });

  it('takes the deadline, limits, criteria and year from the programme', () => {
    const rules = rulesFromProgramme('primary-readiness-2020', programme);
    expect(rules.deadline).toEqual({ date: '2021-07-16', source: 'web' });
    expect(rules.statements).toEqual([{ statement: 'headteacher', words: 200, kind: 'upTo', source: 'web' }]);
    expect(rules.academicYear).toBe('2021/22');
    expect(rules.eligibility?.criteria.map((c) => c.id)).toEqual(['highStaffTurnover', 'newToTheHub']);

    const form = load('primary-readiness-2020');
    form.submittedOn = '2021-07-01';
    form.eligibility.criteria = ['highStaffTurnover', 'ofstedRiOrInadequate'];
    const problems = validateForm(form, rules).problems;
    expect(only(problems, 'eligibility.criteria.1')[0]?.message).toBe('must be one of highStaffTurnover, newToTheHub (seed web)');
  });

  it('expands a teacher word limit to both teachers', () => {
    const trg = Programme.parse({ ...programme, teacherRoles: 'oneSubjectLeaderOrSmt', eligibility: null, statements: [{ who: 'teacher', words: 100, kind: 'about', source: '004' }] });
    expect(rulesFromProgramme('primary-trg-eoi-2019', trg).statements.map((s) => s.statement)).toEqual(['teacher1', 'teacher2']);
  });
});
