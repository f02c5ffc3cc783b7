/**
 * What any input from outside (HTTP request, command-line argument) must
 * satisfy before it goes further, whatever field it is in: text without the
 * NUL character or lone UTF-16 surrogates (the database and JSON encoders
 * cannot keep them), dates that exist and fall in 1990-2100, offsets within
 * ±14:00, academic years of that span. One source for the API's schemas and
 * the CLI. Pure.
 */
import { z } from 'zod';
import type { Problem } from './errors.js';

/** The span of dates the service accepts: well before the programme began, well after it could end. */
export const FIRST_YEAR = 1990;
export const LAST_YEAR = 2100;

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function daysIn(year: number, month: number): number {
  return month === 2 ? ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Why YYYY-MM-DD parts are not a date (of 1990-2100 when `span`), or null when they are. Pure. */
function calendarProblem(y: number, m: number, d: number, text: string, span = true): string | null {
  if (span && (y < FIRST_YEAR || y > LAST_YEAR)) return `must be a date from ${FIRST_YEAR} to ${LAST_YEAR}`;
  if (m < 1 || m > 12) return `${text} is not a date: there is no month ${m}`;
  if (d < 1 || d > daysIn(y, m)) return `${text} is not a date: ${MONTHS[m - 1]} ${y} has ${daysIn(y, m)} days`;
  return null;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-](\d{2}):(\d{2}))$/;

/** Why `s` is not a calendar date YYYY-MM-DD of 1990-2100, or null. Pure. */
export function dateProblem(s: string): string | null {
  const m = DATE.exec(s);
  if (!m) return 'must be a date YYYY-MM-DD';
  return calendarProblem(Number(m[1]), Number(m[2]), Number(m[3]), s);
}

/**
 * Why `s` is not an ISO instant with offset (±14:00 at most) of a real date
 * in 1990-2100, or null. `span: false` drops the 1990-2100 span (inside the
 * store, where the epoch stands for "from the beginning"). Pure.
 */
export function instantProblem(s: string, o: { span?: boolean } = {}): string | null {
  const m = INSTANT.exec(s);
  if (!m) return 'must be an ISO date-time with offset, e.g. 2021-03-01T09:00:00Z';
  const day = calendarProblem(Number(m[1]), Number(m[2]), Number(m[3]), s.slice(0, 10), o.span ?? true);
  if (day) return day;
  if (Number(m[4]) > 23) return `has hour ${m[4]}: hours go from 00 to 23`;
  if (Number(m[5]) > 59) return `has minute ${m[5]}: minutes go from 00 to 59`;
  if (m[6] !== undefined && Number(m[6]) > 59) return `has second ${m[6]}: seconds go from 00 to 59`;
  if (m[7] !== 'Z') {
    const minutes = Number(m[8]) * 60 + Number(m[9]);
    if (Number(m[9]) > 59 || minutes > 14 * 60) return `has offset ${m[7]}: offsets go from -14:00 to +14:00`;
  }
  return null;
}

/** Why `s` is not an academic year such as 2020/21 starting in 1990-2099, or null. Pure. */
export function academicYearProblem(s: string): string | null {
  if (!/^\d{4}\/\d{2}$/.test(s)) return 'must look like 2020/21';
  const first = Number(s.slice(0, 4));
  if ((first + 1) % 100 !== Number(s.slice(5))) return 'second year must follow the first';
  if (first < FIRST_YEAR || first > LAST_YEAR - 1) return `must be an academic year from ${FIRST_YEAR}/${String((FIRST_YEAR + 1) % 100).padStart(2, '0')} to ${LAST_YEAR - 1}/${String(LAST_YEAR % 100).padStart(2, '0')}`;
  return null;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a piece of text cannot be kept (NUL, a lone surrogate), or null. Pure. */
export function textProblem(s: string): string | null {
  if (s.includes('\u0000')) return 'must not contain the NUL character (\\u0000)';
  if (LONE_SURROGATE.test(s)) return 'must not contain a lone UTF-16 surrogate (\\ud800-\\udfff without its pair)';
  return null;
}

/**
 * Every string in a JSON-like value (keys included) that cannot be kept, as
 * problems at their dotted path under `base`. Pure.
 */
export function textProblems(value: unknown, base: string[] = []): Problem[] {
  const out: Problem[] = [];
  const seen = new Set<object>();
  const walk = (v: unknown, path: string[]): void => {
    if (typeof v === 'string') {
      const why = textProblem(v);
      if (why) out.push({ path: path.length ? path.join('.') : '(root)', message: why, value: v.length > 60 ? `${v.slice(0, 57)}...` : v, severity: 'error' });
      return;
    }
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    for (const [k, child] of Object.entries(v)) {
      const why = textProblem(k);
      // The key itself is the problem: name it, shown escaped so the reply can carry it.
      if (why) out.push({ path: [...path, k].join('.'), message: `is a field name that ${why}`, value: k, severity: 'error' });
      else walk(child, [...path, k]);
    }
  };
  walk(value, base);
  return out;
}

/** zod: an ISO instant with offset within the rules above. */
export const BoundedInstant = z.string().superRefine((s, ctx) => {
  const why = instantProblem(s);
  if (why) ctx.addIssue({ code: 'custom', message: why });
});

/** zod: a calendar date YYYY-MM-DD, or an instant, within the rules above. */
export const BoundedDateOrInstant = z.string().superRefine((s, ctx) => {
  const why = s.length === 10 ? dateProblem(s) : instantProblem(s);
  if (why) ctx.addIssue({ code: 'custom', message: why.startsWith('must be an ISO') ? 'must be a date YYYY-MM-DD or an ISO instant with offset' : why });
});

/** zod: an academic year 1990/91 to 2099/00. */
export const BoundedAcademicYear = z.string().superRefine((s, ctx) => {
  const why = academicYearProblem(s);
  if (why) ctx.addIssue({ code: 'custom', message: why });
});
