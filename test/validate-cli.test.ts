/**
 * `pathway validate <form.json> [--json]` as a user runs it: exit codes, every
 * problem on its own line, the JSON report, and unreadable files.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { sentence } from '../domain/errors.js';
import { validateForm } from '../domain/forms/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'pathway-validate-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function pathway(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/pathway.mjs', ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function example(name: string): unknown {
  return JSON.parse(readFileSync(join(root, 'examples/forms', `${name}.json`), 'utf8'));
}

describe('pathway validate', () => {
  it('exits 2 on bad-readiness.json and names every problem, one per line', async () => {
    const { code, stdout } = await pathway('validate', 'examples/forms/bad-readiness.json');
    expect(code).toBe(2);
    const lines = stdout.trimEnd().split('\n');
    const expected = validateForm(example('bad-readiness')).problems;
    expect(expected.length).toBeGreaterThanOrEqual(9);
    expect(lines[0]).toBe(`invalid primary-readiness-2020 in examples/forms/bad-readiness.json: ${expected.length} errors`);
    expect(lines.slice(1)).toEqual(expected.map((p) => `  ${sentence(p)}`));
    for (const needle of ['school.urn must be exactly 6 digits', '(got "12345")', 'teachers.1.email must be an email address (got "bob@")', 'teachers must include the maths lead', 'must be up to 250 words', 'does not name namedByLocalAuthority', 'signatures.teacher2 is missing', 'submittedOn is after']) {
      expect(stdout).toContain(needle);
    }
  });

  it('exits 0 on a valid form and says which school it is', async () => {
    const { code, stdout, stderr } = await pathway('validate', 'examples/forms/primary-readiness-2020.json');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe('valid primary-readiness-2020 for Hollybrook Primary School (URN 122657)\n');
  });

  it('a valid form with warnings still exits 0 and prints them', async () => {
    const form = example('secondary-eoi-2018') as { statements: { headOfDepartment: string } };
    form.statements.headOfDepartment = Array.from({ length: 200 }, () => 'maths').join(' ');
    const file = join(scratch, 'long-statement.json');
    writeFileSync(file, JSON.stringify(form));
    const { code, stdout } = await pathway('validate', file);
    expect(code).toBe(0);
    expect(stdout).toBe(
      'valid secondary-eoi-2018 for Trentside Academy (URN 138412) (1 warning)\n' +
        '  warning: statements.headOfDepartment has 200 words, more than the "about 150 words" asked for (seed 000): a warning, the form is still accepted.\n',
    );
  });

  it('--json prints {ok, kind, problems:[{path, message, value, severity}]}', async () => {
    const { code, stdout } = await pathway('validate', 'examples/forms/bad-secondary.json', '--json');
    expect(code).toBe(2);
    const report = JSON.parse(stdout);
    expect(Object.keys(report).sort()).toEqual(['kind', 'ok', 'problems']);
    expect(report.ok).toBe(false);
    expect(report.kind).toBe('secondary-eoi-2018');
    for (const p of report.problems) expect(Object.keys(p).sort()).toEqual(['message', 'path', 'severity', 'value']);
    expect(report.problems).toContainEqual({ path: 'submittedOn', message: 'is after the application deadline 2018-06-15 (seed 000: "Deadline 15th June 2018")', value: '2018-06-20', severity: 'error' });
    expect(report.problems).toContainEqual({ path: 'masterySpecialist.name', message: expect.stringContaining('is required'), value: null, severity: 'error' });
    expect(report.problems.filter((p: { severity: string }) => p.severity === 'warning').map((p: { path: string }) => p.path)).toEqual(['statements.headOfDepartment']);
  });

  it('--json on a valid form', async () => {
    const { code, stdout } = await pathway('validate', 'examples/forms/primary-trg-eoi-2019.json', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ ok: true, kind: 'primary-trg-eoi-2019', problems: [] });
  });

  it('exits 2 naming a file that does not exist', async () => {
    const { code, stdout, stderr } = await pathway('validate', 'examples/forms/no-such-form.json');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('pathway: cannot read form examples/forms/no-such-form.json: no such file\n');
  });

  it('exits 2 naming the file and where its JSON breaks', async () => {
    const file = join(scratch, 'broken.json');
    writeFileSync(file, '{\n  "kind": "primary-readiness-2020",\n  "school": { "name": "X", }\n}\n');
    const { code, stderr } = await pathway('validate', file);
    expect(code).toBe(2);
    expect(stderr).toBe(`pathway: ${file} is not valid JSON: line 3, column 28: expected a property name in double quotes but found "}"\n`);

    const json = await pathway('validate', file, '--json');
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      kind: null,
      problems: [{ path: '(file)', message: `${file} is not valid JSON: line 3, column 28: expected a property name in double quotes but found "}"`, value: file, severity: 'error' }],
    });
  });
});
