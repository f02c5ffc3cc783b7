/**
 * CSV for people who open it in a spreadsheet: RFC 4180 quoting, and no cell
 * that the spreadsheet would run as a formula (OWASP "CSV injection").
 */

/**
 * One CSV cell: quoted when it holds a comma, quote or line break; a cell a
 * spreadsheet would run as a formula (= + - @, tab, carriage return) is
 * prefixed with a single quote. Numbers pass as they are. Pure.
 */
export function csvCell(value: string | number): string {
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
