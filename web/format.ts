/**
 * Words and numbers as the pages show them: UK dates in Europe/London
 * ("Tuesday 4 November 2025, 1.30pm"), money in pounds, a school's phase and
 * status in plain English. Registered as Nunjucks filters. Pure but for
 * addFilters, which changes the environment it is given.
 */
import { DateTime } from 'luxon';
import type nunjucks from 'nunjucks';
import { LONDON } from '../domain/calendar/london.js';

function dt(value: unknown): DateTime | null {
  if (typeof value !== 'string' || value === '') return null;
  const d = /^\d{4}-\d{2}-\d{2}$/.test(value) ? DateTime.fromISO(value, { zone: LONDON }) : DateTime.fromISO(value, { setZone: true }).setZone(LONDON);
  return d.isValid ? d : null;
}

/** "1.30pm", "4pm", "12 noon". Pure. */
export function clockTime(d: DateTime): string {
  if (d.hour === 12 && d.minute === 0) return '12 noon';
  if (d.hour === 0 && d.minute === 0) return 'midnight';
  const h = d.hour % 12 === 0 ? 12 : d.hour % 12;
  return `${h}${d.minute ? `.${String(d.minute).padStart(2, '0')}` : ''}${d.hour < 12 ? 'am' : 'pm'}`;
}

/** "4 November 2025" (London). Pure. */
export function longDate(value: unknown): string {
  const d = dt(value);
  return d ? d.toFormat('d MMMM yyyy') : '';
}

/** "Tuesday 4 November 2025" (London). Pure. */
export function dayDate(value: unknown): string {
  const d = dt(value);
  return d ? d.toFormat('cccc d MMMM yyyy') : '';
}

/** "Tuesday 4 November 2025, 1.30pm" (London). Pure. */
export function dateTime(value: unknown): string {
  const d = dt(value);
  return d ? `${d.toFormat('cccc d MMMM yyyy')}, ${clockTime(d)}` : '';
}

/** "Tue 4 Nov 2025, 1.30pm" for tables. Pure. */
export function shortDateTime(value: unknown): string {
  const d = dt(value);
  return d ? `${d.toFormat('ccc d MMM yyyy')}, ${clockTime(d)}` : '';
}

/** "4pm", "1.30pm" (London) from an ISO instant: the end of a session. Pure. */
export function timeOfDay(value: unknown): string {
  const d = dt(value);
  return d ? clockTime(d) : '';
}

/** "4 Nov 2025" for tables. Pure. */
export function shortDate(value: unknown): string {
  const d = dt(value);
  return d ? d.toFormat('d MMM yyyy') : '';
}

/** "2025-11-04" in London, for date inputs. Pure. */
export function isoDate(value: unknown): string {
  const d = dt(value);
  return d ? d.toISODate()! : '';
}

/** "13:30" in London, for time inputs. Pure. */
export function hhmm(value: unknown): string {
  const d = dt(value);
  return d ? d.toFormat('HH:mm') : '';
}

/** "£2,000" from pence ("£12.50" when there are pence). Pure. */
export function money(pence: unknown): string {
  const n = typeof pence === 'number' ? pence : Number(pence);
  if (!Number.isFinite(n)) return '';
  const pounds = n / 100;
  return `£${pounds.toLocaleString('en-GB', { minimumFractionDigits: n % 100 === 0 ? 0 : 2, maximumFractionDigits: 2 })}`;
}

const PHASES: Record<string, string> = {
  none: 'Not yet applied',
  trg: 'TRG pilot',
  readiness: 'Readiness',
  development: 'Development',
  embedding: 'Embedding',
  sustaining: 'Sustaining',
};

/** The phase as people name it ("Development"). Pure. */
export function phaseName(phase: unknown): string {
  return PHASES[String(phase)] ?? String(phase);
}

const STATUSES: Record<string, string> = {
  prospective: 'Not yet applied',
  applied: 'Application received',
  eligible: 'Eligible, awaiting a place',
  waitlisted: 'On the waiting list',
  selected: 'Selected, commitment to sign',
  active: 'Taking part',
  evaluating: 'Evaluation due',
  overdue: 'Evaluation overdue',
  completed: 'Completed',
  declined: 'Not offered a place',
  deferred: 'Deferred',
  withdrawn: 'Withdrawn',
};

/** The status as a sentence fragment ("Taking part"). Pure. */
export function statusWords(status: unknown): string {
  return STATUSES[String(status)] ?? String(status).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

/** A GOV.UK tag colour for a status. Pure. */
export function statusColour(status: unknown): string {
  switch (String(status)) {
    case 'active':
    case 'completed':
      return 'govuk-tag--green';
    case 'overdue':
    case 'withdrawn':
    case 'declined':
      return 'govuk-tag--red';
    case 'evaluating':
    case 'selected':
      return 'govuk-tag--yellow';
    case 'waitlisted':
    case 'deferred':
      return 'govuk-tag--grey';
    default:
      return 'govuk-tag--blue';
  }
}

/** "in 3 days", "tomorrow", "today", "2 days ago" from `now`. Pure. */
export function relativeDays(value: unknown, now: unknown): string {
  const d = dt(value);
  const n = dt(now);
  if (!d || !n) return '';
  const days = Math.round(d.startOf('day').diff(n.startOf('day'), 'days').days);
  if (days === 0) return 'today';
  if (days === 1) return 'tomorrow';
  if (days === -1) return 'yesterday';
  return days > 0 ? `in ${days} days` : `${-days} days ago`;
}

/** "1 school", "3 schools". Pure. */
export function plural(n: unknown, one: string, many?: string): string {
  const k = Number(n);
  return `${k} ${k === 1 ? one : (many ?? `${one}s`)}`;
}

/** Adds the filters above to a Nunjucks environment. */
export function addFilters(env: nunjucks.Environment): void {
  const filters: Record<string, (...args: never[]) => unknown> = {
    longDate, dayDate, dateTime, shortDateTime, shortDate, isoDate, hhmm, timeOfDay, money, phaseName, statusWords, statusColour, relativeDays, plural,
  };
  for (const [name, fn] of Object.entries(filters)) env.addFilter(name, fn as (...args: unknown[]) => unknown);
}
