/**
 * Tables and colour at the command line (cli/table.ts, cli/colour.ts): a
 * table wider than the terminal is fitted by wrapping its columns of words
 * first and its ids last; --wide keeps it whole; CSV quotes what RFC 4180
 * says; colour only on a terminal, off with NO_COLOR, on with FORCE_COLOR.
 */
import { describe, expect, it } from 'vitest';
import { fitWidths, renderCsv, renderTable, terminalWidth, wrap } from '../cli/table.js';
import { colourOn, paint, setColour } from '../cli/colour.js';
import { overdueWhy, upcomingRow } from '../cli/render.js';

describe('renderTable', () => {
  const headers = ['id', 'name', 'note'];
  const rows = [
    ['secondary-development-2020-21', 'Tynebridge School', 'the first meeting was moved to the spring term because of the floods'],
    ['primary-readiness-2020-21', 'Hollybrook Primary School', 'ok'],
  ];

  it('prints columns at their natural width when they fit', () => {
    expect(renderTable(['a', 'bb'], [['1', '2']], 80)).toBe('a  bb\n-  --\n1  2');
  });

  it('fits the width by wrapping the columns of words, keeping ids whole', () => {
    const out = renderTable(headers, rows, 60);
    for (const line of out.split('\n')) expect(line.length, line).toBeLessThanOrEqual(60);
    expect(out).toContain('secondary-development-2020-21');
    expect(out).toContain('primary-readiness-2020-21');
    expect(out.split('\n').length).toBeGreaterThan(4);
    for (const word of rows[0]![2]!.split(' ')) expect(out).toContain(word);
  });

  it('at unlimited width (--wide) every row is one line', () => {
    expect(renderTable(headers, rows, Infinity).split('\n')).toHaveLength(4);
  });

  it('narrows ids only when the words cannot give enough', () => {
    expect(fitWidths([30, 20], ['id', 'words'], 40, { wrappable: [false, true] })).toEqual([30, 8]);
    expect(fitWidths([30, 20], ['id', 'words'], 30, { wrappable: [false, true] })).toEqual([22, 6]);
  });

  it('wraps at spaces, and mid-word only for a word longer than the line', () => {
    expect(wrap('one two three', 7)).toEqual(['one two', 'three']);
    expect(wrap('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
  });

  it('breaks an id between its parts where one fits', () => {
    expect(wrap('secondary-development-2026-27.meeting-01', 38)).toEqual(['secondary-development-2026-27.', 'meeting-01']);
    expect(wrap('emeast-development-2026-1', 12)).toEqual(['emeast-', 'development-', '2026-1']);
    expect(wrap('development/active', 14)).toEqual(['development/', 'active']);
  });

  it('keeps words whole while an id can give, so a school reads "Riverside Academy", not "Rivers ide"', () => {
    // An 80-column terminal: the group table of `pathway groups show`.
    const out = renderTable(
      ['urn', 'school', 'hub', 'phase/status', 'year', 'group', 'meetings', 'overdue'],
      [['100004', 'Riverside Academy', 'East Midlands East', 'development/active', '2026/27', 'emeast-development-2026-1', '1 of 6', 'OVERDUE']],
      80,
    );
    for (const line of out.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    const cells = out.split('\n').slice(2).join(' ');
    for (const word of ['Riverside', 'Academy', 'Midlands', 'OVERDUE']) expect(cells).toMatch(new RegExp(`(^|\\s)${word}(\\s|$)`));
  });

  it('wraps a header wider than its cells before any cell, so "development" stays whole under "phase"', () => {
    // The simulation's summary at 80 columns: "open or overdue" heads a column of numbers.
    const out = renderTable(['year', 'phase', 'schools', 'completed', 'withdrawn', 'deferred', 'declined', 'open or overdue'], [['2025/26', 'development', '3', '3', '0', '0', '0', '0']], 80);
    const lines = out.split('\n');
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(lines[0]).toMatch(/\bphase\s+schools\b.*\bopen or$/);
    expect(lines[1]?.trim()).toBe('overdue');
    expect(lines[3]).toMatch(/^2025\/26\s+development\s+3\s/);
  });

  it('uses the terminal width on a terminal, 80 otherwise', () => {
    expect(terminalWidth({ isTTY: true, columns: 132 })).toBe(132);
    expect(terminalWidth({ isTTY: false, columns: 132 })).toBe(80);
    expect(terminalWidth({})).toBe(80);
  });
});

describe('renderCsv', () => {
  it('quotes commas, quotes and line breaks, and ends lines with CRLF', () => {
    expect(renderCsv(['a', 'b'], [['x,y', 'say "hi"'], ['two\nlines', '']])).toBe('a,b\r\n"x,y","say ""hi"""\r\n"two\nlines",');
  });
});

describe('colour', () => {
  it('on a terminal only, unless the configuration forces it on or off', () => {
    setColour(undefined);
    expect(colourOn({ isTTY: true })).toBe(true);
    expect(colourOn({ isTTY: false })).toBe(false);
    expect(paint('bold', 'x', { isTTY: false })).toBe('x');
    setColour(false); // NO_COLOR
    expect(paint('bold', 'x', { isTTY: true })).toBe('x');
    setColour(true); // FORCE_COLOR
    expect(paint('bold', 'x', { isTTY: false })).toBe('\u001b[1mx\u001b[22m');
    setColour(undefined);
  });
});

describe('renderCsv against spreadsheet formulas', () => {
  it('makes a cell that a spreadsheet would run as a formula inert, and leaves numbers as numbers', () => {
    const csv = renderCsv(['name', 'amount'], [['=HYPERLINK("http://x")', '-3'], ['@SUM(A1)', '12.50']]);
    expect(csv).toBe('name,amount\r\n"\'=HYPERLINK(""http://x"")",-3\r\n\'@SUM(A1),12.50');
  });
});

describe('overdueWhy: the status line of `pathway schools show`', () => {
  const at = '2026-11-12T09:00:00+00:00';
  it.each([
    [{ status: 'overdue', upcoming: [] }, 'the evaluation was not sent by the end of the year'],
    [{ status: 'active', upcoming: [{ what: 'attendance to record: meeting m2 at Hub school', at }, { what: 'meeting m3 at Hub school', at }] }, 'attendance to record for 1 past session, listed under Upcoming'],
    [{ status: 'active', upcoming: [{ what: 'attendance to record: meeting m2 at Hub school', at }, { what: 'attendance to record: visit v1 at the school', at }] }, 'attendance to record for 2 past sessions, listed under Upcoming'],
    [{ status: 'active', upcoming: [] }, 'an escalation is open'],
  ] as const)('%j: %s', (s, why) => {
    expect(overdueWhy({ status: s.status, upcoming: [...s.upcoming] })).toBe(why);
  });
});

describe('upcomingRow: the Upcoming table of `pathway schools show`', () => {
  it.each([
    ['attendance to record: meeting secondary-development-2026-27.meeting-02 at The Minster School, Southwell', ['Thu 12 Nov 2026 09:00', 'Attendance to record: Meeting 2 at The Minster School, Southwell', 'secondary-development-2026-27.meeting-02']],
    ['visit secondary-development-2026-27.visit-02 at the school', ['Thu 12 Nov 2026 09:00', 'School visit 2 at the school', 'secondary-development-2026-27.visit-02']],
    ['workshop primary-readiness-2026-27.workshop-01 at to be confirmed', ['Thu 12 Nov 2026 09:00', 'Workshop 1, place to be confirmed', 'primary-readiness-2026-27.workshop-01']],
    ['evaluation due (end of academic year)', ['Thu 12 Nov 2026 09:00', 'End-of-year evaluation due', '']],
  ] as const)('%s', (what, row) => {
    expect(upcomingRow({ what, at: '2026-11-12T09:00:00+00:00' })).toEqual(row);
  });
});
