/**
 * domain/forms/checks.ts, rule by rule (issue 15's mutation score): each case
 * changes one thing in a seed example that otherwise passes and expects the
 * whole list of problems as the applicant reads them: the field, the
 * sentence, error or warning, the value. The sentences are written out here
 * (read and approved, not taken from the code at run time).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateForm, type FormRules } from '../domain/forms/index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const load = (name: string): Json => JSON.parse(readFileSync(`examples/forms/${name}.json`, 'utf8'));

function problems(name: string, change: (form: Json) => void, rules?: Partial<FormRules>) {
  const form = load(name);
  change(form);
  const r = validateForm(form, rules);
  return { ok: r.ok, problems: r.problems.map(({ path, message, severity, value }) => ({ path, message, severity, ...(value === undefined ? {} : { value }) })) };
}

describe('application forms: each cross-field rule in the applicant’s words', () => {
  it("a form submitted the day after the deadline is refused, quoting the seed", () => {
    expect(problems('secondary-eoi-2018', (f) => { f.submittedOn = '2018-06-16'; for (const s of Object.values(f.signatures) as Json[]) s.signedOn = '2018-06-16'; })).toEqual({
      ok: false,
      problems: [
        { path: "submittedOn", message: "is after the application deadline 2018-06-15 (seed 000: \"Deadline 15th June 2018\")", severity: "error", value: "2018-06-16" },
      ],
    });
  });

  it("with no deadline, a form submitted after the programme year is refused", () => {
    expect(problems('secondary-development-2020', (f) => (f.submittedOn = '2021-09-01'), { deadline: null })).toEqual({
      ok: false,
      problems: [
        { path: "submittedOn", message: "is after the 2020/21 programme year ended on 2021-08-31", severity: "error", value: "2021-09-01" },
      ],
    });
  });

  it("a statement with no words is refused, and names none of the criteria", () => {
    expect(problems('primary-readiness-2020', (f) => (f.statements.headteacher = '— !!! ?'))).toEqual({
      ok: false,
      problems: [
        { path: "statements.headteacher", message: "must be written in words: the headteacher statement has none", severity: "error" },
        { path: "statements.headteacher", message: "must name each eligibility criterion the school claims, and does not name ofstedRiOrInadequate (\"Has been judged at RI or Inadequate for at least their most recent OFSTED inspection\"): mention it, e.g. \"ofsted\", \"ri\", \"requires improvement\" (seed 002)", severity: "error" },
        { path: "statements.headteacher", message: "must name each eligibility criterion the school claims, and does not name lowMathsProgressOrAttainment (\"Has low progress or attainment data for mathematics across the school\"): mention it, e.g. \"progress\", \"attainment\", \"low attaining\" (seed 002)", severity: "error" },
        { path: "statements.headteacher", message: "must name each eligibility criterion the school claims, and does not name highStaffTurnover (\"Has a high turnover of staff, meaning that the implementation of sustained change can be difficult\"): mention it, e.g. \"turnover\", \"staffing\", \"staff changes\" (seed 002)", severity: "error" },
      ],
    });
  });

  it("two teachers with one email (any case) are refused", () => {
    expect(problems('secondary-eoi-2018', (f) => (f.teachers[1].email = f.teachers[0].email.toUpperCase()))).toEqual({
      ok: false,
      problems: [
        { path: "teachers.1.email", message: "must differ from teachers.0.email: the form needs two different teachers", severity: "error", value: "D.OKAFOR@TRENTSIDE-ACADEMY.EXAMPLE" },
      ],
    });
  });

  it("a secondary form without an experienced Mastery Advocate is refused, naming the roles that count", () => {
    expect(problems('secondary-eoi-2018', (f) => { f.teachers[0].role = 'teacher'; f.teachers[1].role = 'teacher'; })).toEqual({
      ok: false,
      problems: [
        { path: "teachers", message: "must include one experienced Mastery Advocate with substantial responsibility in the department (head or second of department, KS3 lead or similar): one teacher's role must be headOfDepartment or secondInDepartment or ks3Lead or otherExperienced (seed 000)", severity: "error", value: "teacher, teacher" },
      ],
    });
  });

  it("an unknown eligibility criterion is refused, listing the known ones", () => {
    expect(problems('primary-readiness-2020', (f) => (f.eligibility.criteria = ['ofstedRiOrInadequate', 'xyz']))).toEqual({
      ok: false,
      problems: [
        { path: "eligibility.criteria.1", message: "must be one of ofstedRiOrInadequate, lowMathsProgressOrAttainment, namedByLocalAuthority, lowSocialMobilityArea, needsMathsLeadershipSupport, highStaffTurnover, otherReason (seed 002)", severity: "error", value: "xyz" },
      ],
    });
  });

  it("claiming the other reason needs it written, and named in the statement", () => {
    expect(problems('primary-readiness-2020', (f) => { f.eligibility.criteria = ['otherReason']; delete f.eligibility.otherReason; })).toEqual({
      ok: false,
      problems: [
        { path: "eligibility.otherReason", message: "is required when eligibility.criteria claims otherReason: say what the other reason is", severity: "error" },
        { path: "statements.headteacher", message: "must name each eligibility criterion the school claims, and does not name otherReason (\"Another identifiable reason for being unable to engage in developing teaching for mastery yet\"): mention the other reason (seed 002)", severity: "error" },
      ],
    });
  });

  it("a group application names its schools and their relationship", () => {
    expect(problems('primary-readiness-2020', (f) => (f.group = { applying: true, schools: [] }))).toEqual({
      ok: false,
      problems: [
        { path: "group.schools", message: "must name at least one school to be placed with when group.applying is yes (seed 002)", severity: "error" },
        { path: "group.relationship", message: "is required when group.applying is yes: describe the relationship to the schools named (seed 002)", severity: "error" },
      ],
    });
  });

  it("a group application cannot name the applying school", () => {
    expect(problems('primary-readiness-2020', (f) => (f.group = { applying: true, relationship: 'local cluster', schools: [{ name: 'Us', urn: f.school.urn }] }))).toEqual({
      ok: false,
      problems: [
        { path: "group.schools.0.urn", message: "is the applying school itself: name the other schools", severity: "error", value: "122657" },
      ],
    });
  });

  it("having worked with a Mastery Specialist needs their name", () => {
    expect(problems('secondary-development-2020', (f) => (f.masterySpecialist = { workedWith: true }))).toEqual({
      ok: false,
      problems: [
        { path: "masterySpecialist.name", message: "is required when masterySpecialist.workedWith is yes: name the Mastery Specialist (seed 000)", severity: "error" },
      ],
    });
  });

  it("a missing signature is refused", () => {
    expect(problems('primary-readiness-2020', (f) => delete f.signatures.teacher2)).toEqual({
      ok: false,
      problems: [
        { path: "signatures.teacher2", message: "is missing: teacher 2 must sign the commitment on the form", severity: "error" },
      ],
    });
  });

  it("a signature by someone other than the teacher named is refused", () => {
    expect(problems('primary-readiness-2020', (f) => (f.signatures.teacher1.name = 'Someone Else'))).toEqual({
      ok: false,
      problems: [
        { path: "signatures.teacher1.name", message: "must be the name of teacher 1 on the form, \"Tom Bradley\" (teachers.0.name)", severity: "error", value: "Someone Else" },
      ],
    });
  });

  it("a signature dated after the form was sent is refused", () => {
    expect(problems('primary-readiness-2020', (f) => (f.signatures.headteacher.signedOn = '2020-03-21'))).toEqual({
      ok: false,
      problems: [
        { path: "signatures.headteacher.signedOn", message: "must be on or before submittedOn 2020-03-20: the form is signed before it is sent", severity: "error", value: "2020-03-21" },
      ],
    });
  });

  it("a hub not among the known ones is refused", () => {
    expect(problems('primary-readiness-2020', (f) => (f.school.hub = 'Nowhere Maths Hub'), { knownHubs: ['East Midlands East Maths Hub', 'Great North Maths Hub'] })).toEqual({
      ok: false,
      problems: [
        { path: "school.hub", message: "must be one of the 2 Maths Hubs, e.g. \"East Midlands East Maths Hub\"", severity: "error", value: "Nowhere Maths Hub" },
      ],
    });
  });

  it("a known hub is found whatever its case, spacing and 'Maths Hub'", () => {
    expect(problems('primary-readiness-2020', (f) => (f.school.hub = '  east   midlands east  '), { knownHubs: ['East Midlands East Maths Hub'] })).toEqual({
      ok: true,
      problems: [],
    });
  });

  it("an address without a postcode is a warning only", () => {
    expect(problems('primary-readiness-2020', (f) => (f.school.address = 'Hollybrook Lane, Mansfield'))).toEqual({
      ok: true,
      problems: [
        { path: "school.address", message: "should include the postcode", severity: "warning", value: "Hollybrook Lane, Mansfield" },
      ],
    });
  });

  it('a postcode written without its space, or in small letters, is still a postcode', () => {
    for (const address of ['Hollybrook Lane, Mansfield NG184QP', 'Hollybrook Lane, Mansfield ng18 4qp']) {
      expect(problems('primary-readiness-2020', (f) => (f.school.address = address))).toEqual({ ok: true, problems: [] });
    }
  });

  it("a teacher's statement with no words names the teacher; a blank statement is only the schema's problem", () => {
    expect(problems('primary-trg-eoi-2019', (f) => (f.statements.teacher1 = '— !!! ?')).problems).toEqual([
      { path: 'statements.teacher1', message: 'must be written in words: the teacher 1 statement has none', severity: 'error' },
    ]);
    expect(problems('primary-trg-eoi-2019', (f) => (f.statements.teacher2 = '— ?')).problems).toEqual([
      { path: 'statements.teacher2', message: 'must be written in words: the teacher 2 statement has none', severity: 'error' },
    ]);
    expect(problems('primary-readiness-2020', (f) => (f.statements.headteacher = '   ')).problems).toEqual([
      { path: 'statements.headteacher', message: 'must not be empty', severity: 'error', value: '   ' },
    ]);
  });

  it('a primary form needs its maths lead among the two teachers', () => {
    expect(problems('primary-readiness-2020', (f) => (f.teachers[0].role = f.teachers[1].role = 'teacher')).problems).toEqual([
      { path: 'teachers', message: "must include the maths lead: one teacher's role must be mathsLead (seed 002)", severity: 'error', value: 'teacher, teacher' },
    ]);
  });

  it('a statement over its limit: refused above "up to", a warning above "about"', () => {
    const long = Array.from({ length: 700 }, (_, i) => `word${i}`).join(' ');
    const longer = (f: Json) => {
      for (const k of Object.keys(f.statements)) f.statements[k] = `${f.statements[k]} ${long}`;
    };
    const onStatements = (r: ReturnType<typeof problems>) => r.problems.filter((p) => p.path.startsWith('statements'));
    expect(onStatements(problems('primary-readiness-2020', longer))).toEqual([
      { path: "statements.headteacher", message: "must be up to 250 words (seed 002); the headteacher statement has 848", severity: "error" },
    ]);
    expect(onStatements(problems('secondary-eoi-2018', longer))).toEqual([
      { path: "statements.headOfDepartment", message: "has 842 words, more than the \"about 150 words\" asked for (seed 000): a warning, the form is still accepted", severity: "warning" },
    ]);
    expect(onStatements(problems('primary-trg-eoi-2019', longer))).toEqual([
      { path: "statements.teacher1", message: "has 769 words, more than the \"about 100 words\" asked for (seed 004): a warning, the form is still accepted", severity: "warning" },
      { path: "statements.teacher2", message: "has 767 words, more than the \"about 100 words\" asked for (seed 004): a warning, the form is still accepted", severity: "warning" },
      { path: "statements.headteacher", message: "has 780 words, more than the \"about 100 words\" asked for (seed 004): a warning, the form is still accepted", severity: "warning" },
    ]);
  });

  it('a form partly wrong gets the field’s own problem only, not a second one from a rule that needs the field', () => {
    // A missing role: the maths-lead rule waits for both roles.
    expect(problems('primary-readiness-2020', (f) => { f.teachers[0].role = 'teacher'; delete f.teachers[1].role; }).problems).toEqual([
      { path: 'teachers.1.role', message: 'must be one of mathsLead, seniorLeader, teacher, recentlyQualified', severity: 'error' },
    ]);
    // A criterion that is not a text: the list's rules (known, claimed at least once) leave it to its field.
    expect(problems('primary-readiness-2020', (f) => (f.eligibility.criteria = [42])).problems).toEqual([
      { path: 'eligibility.criteria.0', message: 'must be a string, not a number', severity: 'error', value: 42 },
    ]);
    // A signature without its date: nothing to compare with the submission date.
    expect(problems('primary-readiness-2020', (f) => delete f.signatures.headteacher.signedOn).problems).toEqual([
      { path: 'signatures.headteacher.signedOn', message: 'is required', severity: 'error' },
    ]);
  });

  // A form posted to the API can hold anything: each wrong field gets its own plain problem, and nothing crashes.
  it.each([
    ['primary-readiness-2020', 'teachers not a list', (f: Json) => { f.teachers = 'two'; }, [['teachers', 'must be an array, not a string']]],
    ['primary-readiness-2020', 'teachers empty', (f: Json) => { f.teachers = [null, null]; }, [['teachers.0', 'must be an object, not null'], ['teachers.1', 'must be an object, not null']]],
    ['primary-readiness-2020', 'one teacher', (f: Json) => { f.teachers = [f.teachers[0]]; }, [['teachers', 'must list exactly two teachers (seed 002)']]],
    ['primary-readiness-2020', 'three class teachers', (f: Json) => { f.teachers = [f.teachers[1], f.teachers[1], f.teachers[1]]; }, [['teachers', 'must list exactly two teachers (seed 002)']]],
    ['primary-readiness-2020', 'statements not an object', (f: Json) => { f.statements = 'x'; }, [['statements', 'must be an object, not a string']]],
    ['primary-readiness-2020', 'eligibility a list', (f: Json) => { f.eligibility = []; }, [['eligibility', 'must be an object, not an array']]],
    ['primary-readiness-2020', 'signatures a list', (f: Json) => { f.signatures = []; }, [['signatures', 'must be an object, not an array']]],
    ['primary-readiness-2020', 'a signature empty', (f: Json) => { f.signatures.headteacher = null; }, [['signatures.headteacher', 'must be an object, not null']]],
    ['primary-readiness-2020', 'school empty', (f: Json) => { f.school = null; }, [['school', 'must be an object, not null']]],
    ['primary-readiness-2020', 'submittedOn not a real day', (f: Json) => { f.submittedOn = '2020-02-30'; }, [['submittedOn', 'must be a real date written YYYY-MM-DD']]],
    ['primary-readiness-2020', 'group a text', (f: Json) => { f.group = 'yes'; }, [['group', 'must be an object, not a string']]],
    ['primary-readiness-2020', "group's schools a text", (f: Json) => { f.group = { applying: true, schools: 'a', relationship: 'x' }; }, [['group.schools', 'must be an array, not a string']]],
    ['secondary-development-2020', 'masterySpecialist a list', (f: Json) => { f.masterySpecialist = []; }, [['masterySpecialist', 'must be an object, not an array']]],
    ['secondary-development-2020', 'teacher emails numbers', (f: Json) => { f.teachers[0].email = 1; f.teachers[1].email = 1; }, [['teachers.0.email', 'must be a string, not a number'], ['teachers.1.email', 'must be a string, not a number']]],
  ] as const)('%s with %s: one plain problem per wrong field, no second one and no crash', (name, _what, change, expected) => {
    const r = problems(name, change as (f: Json) => void);
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => [p.path, p.message])).toEqual(expected);
  });

  it("a programme with no rule for the teachers' roles asks nothing of them", () => {
    const none = { teacherRoles: { rule: 'none' as const, anyOf: [], describe: 'anyone', source: 'web' as const } };
    expect(problems('primary-readiness-2020', (f) => (f.teachers[0].role = f.teachers[1].role = 'teacher'), none)).toEqual({ ok: true, problems: [] });
  });
});

