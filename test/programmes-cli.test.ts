import { describe, it, expect } from 'vitest';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { catalogue } from '../domain/catalogue/programmes.js';
import { hubs } from '../domain/catalogue/hubs.js';
import { describeMeetings, describeMoney } from '../domain/catalogue/describe.js';

const root = fileURLToPath(new URL('..', import.meta.url));

function pathway(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/pathway.mjs', ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('pathway programmes', () => {
  it('fits a compact table to 80 columns by default: one row a programme, its id whole', async () => {
    const { code, stdout, stderr } = await pathway('programmes');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^id\s+schools\s+sessions\s+grant\s+apply by$/);
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(80);
    for (const p of catalogue) expect(lines.some((l) => l.startsWith(`${p.id} `)), p.id).toBe(true);
    expect(stdout).toMatch(/^secondary-development-2020-21\s+<=2\s+4 meetings\s+£2,000/m);
    expect(lines.slice(-2)).toEqual([`${catalogue.length} programmes. Every rule, its sources and where they disagree:`, 'pathway --wide programmes']);
  });

  it('--csv prints the compact table as CSV, one line a programme', async () => {
    const { code, stdout } = await pathway('programmes', '--csv', '--phase', 'trg');
    expect(code).toBe(0);
    expect(stdout).toBe('id,schools,sessions,grant,apply by\r\nprimary-trg-2018-19,<=3,2 meetings,-,2019-03-06\r\n');
  });

  it('--wide prints every programme on its own row with its money and meetings, then the inconsistencies', async () => {
    const { code, stdout, stderr } = await pathway('programmes', '--wide');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^id\s+phase\s+route\s+year\s+leader\s+group\s+meetings\s+money\s+deadline\s+sources$/);
    for (const p of catalogue) {
      const row = lines.findIndex((l) => l.startsWith(`${p.id} `));
      expect(row, p.id).toBeGreaterThan(1);
      expect(lines[row], p.id).toContain(p.academicYear);
      expect(lines[row], p.id).toContain(describeMoney(p));
      // The meetings cell lists one rule per line: the row and the lines under it.
      const cell = lines.slice(row, row + 4).join('\n');
      for (const part of describeMeetings(p).split('; ')) expect(cell, p.id).toContain(part);
    }
    expect(stdout).toContain('>=4 half-day meetings Nov 2020-Jul 2021');
    expect(stdout).toContain('£2,000 per department');
    expect(stdout).toContain('none (£1,000 next year)');
    expect(stdout).toContain('apply by 2018-06-15');
    const incon = stdout.slice(stdout.indexOf('Known inconsistencies'));
    expect(incon).toContain('four separate half days in 2018');
    expect(incon).toContain("ten (combined) days' release time");
  });

  it('--json prints the parsed catalogue', async () => {
    const { code, stdout } = await pathway('programmes', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual(JSON.parse(JSON.stringify(catalogue)));
  });

  it('filters by route, phase and year', async () => {
    const { code, stdout } = await pathway('programmes', '--json', '--route', 'secondary', '--year', '2020/21');
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { id: string }[]).map((p) => p.id)).toEqual(['secondary-development-2020-21', 'secondary-embedding-2020-21', 'secondary-sustaining-2020-21']);
    const table = await pathway('programmes', '--phase', 'trg');
    expect(table.stdout).toContain('primary-trg-2018-19');
    expect(table.stdout).not.toContain('primary-readiness');
  });

  it('refuses a bad filter with exit 2, naming the option and the value', async () => {
    const { code, stdout, stderr } = await pathway('programmes', '--phase', 'foundation');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/--phase must be one of .*"foundation"/);
  });
});

describe('pathway hubs', () => {
  it('lists the 35 hubs by region, with their lead schools', async () => {
    const { code, stdout } = await pathway('--wide', 'hubs');
    expect(code).toBe(0);
    for (const h of hubs) expect(stdout).toMatch(new RegExp(`^${h.id}\\s+${h.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+`, 'm'));
    expect(stdout).toContain('East Midlands (3)');
    expect(stdout).toContain('The Minster School, Southwell, Nottinghamshire');
    expect(stdout).toContain('35 Maths Hubs in 9 regions');
  });

  it('fits the hub tables to 80 columns, wrapping long names', async () => {
    const { code, stdout } = await pathway('hubs');
    expect(code).toBe(0);
    for (const l of stdout.split('\n')) expect(l.length, l).toBeLessThanOrEqual(80);
    expect(stdout).toMatch(/^cornwall-and-west-devon\s+Cornwall and West Devon\s+Truro and Penwith College$/m);
  });

  it('--json prints the hubs', async () => {
    const { code, stdout } = await pathway('hubs', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual(hubs);
  });
});
