/**
 * Words and numbers as the pages show them: UK dates in Europe/London
 * ("Tuesday 4 November 2025, 1.30pm"), money in pounds, a school's phase and
 * status in plain English. Registered as Nunjucks filters. Pure but for
 * addFilters, which changes the environment it is given.
 */
import type nunjucks from 'nunjucks';
import { pounds } from '../domain/catalogue/describe.js';
import { dateTime, dayDate, hhmm, isoDate, longDate, relativeDays, shortDate, shortDateTime, timeOfDay } from '../domain/words/dates.js';
import { phaseName, statusWords } from '../domain/words/school-state.js';
import { countedSessionsName, sessionKindsOf } from '../domain/words/kinds.js';
import { programmeById } from '../domain/catalogue/programmes.js';
import { andList as andListWords } from '../service/school-words.js';

export { clockTime, dateTime, dayDate, hhmm, isoDate, longDate, relativeDays, shortDate, shortDateTime, timeOfDay } from '../domain/words/dates.js';

/** "£2,000" from pence ("£12.50" when there are pence). Pure. */
export function money(pence: unknown): string {
  const n = typeof pence === 'number' ? pence : Number(pence);
  if (!Number.isFinite(n)) return '';
  return pounds(n);
}

export { phaseName, statusWords };

/** "A, B and C" (service/school-words.ts andList), for a sentence that names several schools. Pure. */
function andList(items: unknown): string {
  return andListWords(Array.isArray(items) ? items.map(String) : []);
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

/** "1 school", "3 schools". Pure. */
export function plural(n: unknown, one: string, many?: string): string {
  const k = Number(n);
  return `${k} ${k === 1 ? one : (many ?? `${one}s`)}`;
}

/** "Meetings held", "Workshops held": what a school's programme counts (by its catalogue id), as a label. Pure. */
export function sessionsHeldLabel(programmeId: unknown): string {
  return `${countedSessionsName(sessionKindsOf(programmeId), true)} held`;
}

/**
 * The grant paid in a school's phase, for the audit's state list: the amount;
 * "None: this phase has no grant" when its programme pays none; "None" once
 * the school has finished or left the phase without one; else "Nothing yet".
 * Pure (reads the catalogue).
 */
export function grantPaidWords(s: { fundingPaidPence?: unknown; programmeId?: unknown; status?: unknown }): string {
  if (Number(s.fundingPaidPence) > 0) return money(s.fundingPaidPence);
  let funded = true;
  try {
    funded = typeof s.programmeId === 'string' && s.programmeId !== '' ? programmeById(s.programmeId).funding != null : true;
  } catch {
    funded = true;
  }
  if (!funded) return 'None: this phase has no grant';
  return ['completed', 'withdrawn', 'declined', 'deferred'].includes(String(s.status)) ? 'None' : 'Nothing yet';
}

/** Adds the filters above to a Nunjucks environment. */
export function addFilters(env: nunjucks.Environment): void {
  const filters: Record<string, (...args: never[]) => unknown> = {
    longDate, dayDate, dateTime, shortDateTime, shortDate, isoDate, hhmm, timeOfDay, money, phaseName, statusWords, statusColour, relativeDays, plural, sessionsHeldLabel, andList, grantPaidWords,
  };
  for (const [name, fn] of Object.entries(filters)) env.addFilter(name, fn as (...args: unknown[]) => unknown);
}
