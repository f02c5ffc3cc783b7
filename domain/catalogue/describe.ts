/**
 * Short plain-English summaries of a programme's figures, for the CLI table,
 * the API and web pages: "at least 4 half-day meetings Nov 2020-Jul 2021",
 * "£2,000 per department". Pure.
 */
import { DateTime } from 'luxon';
import type { Programme, SessionRule } from './schema.js';

/** "£2,000" from 200000 pence. Pure. */
export function pounds(pence: number): string {
  return `£${(pence % 100 === 0 ? WHOLE_POUNDS : POUNDS_AND_PENCE).format(pence / 100)}`;
}

// Made once: toLocaleString builds a new formatter on every call.
const WHOLE_POUNDS = new Intl.NumberFormat('en-GB', { minimumFractionDigits: 0, maximumFractionDigits: 2 });
const POUNDS_AND_PENCE = new Intl.NumberFormat('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

function count(min: number, max: number | undefined): string {
  if (max === undefined) return `>=${min}`;
  return max === min ? `${min}` : `${min}-${max}`;
}

function month(m: string): string {
  return DateTime.fromISO(`${m}-01`, { zone: 'Europe/London' }).toFormat('LLL yyyy');
}

const CADENCE: Record<SessionRule['cadence'], string> = { halfTermly: 'half-termly ', termly: 'termly ', spread: '', asAgreed: '' };

/** One session rule: ">=4 half-day meetings Nov 2020-Jul 2021", "6-8 half-termly half-day workshops ... (head at first; gap tasks)". Pure. */
export function describeSessionRule(r: SessionRule): string {
  const length = r.lengthHalfDays === 1 ? 'half-day ' : r.lengthHalfDays === 2 ? 'full-day ' : `${r.lengthHalfDays}-half-day `;
  const n = count(r.min, r.max);
  const plural = r.max === 1 || (r.max === undefined && r.min === 1) ? r.kind : `${r.kind}s`;
  const window = r.window ? ` ${month(r.window.from)}-${month(r.window.to)}` : '';
  const extras = [r.headteacherAttendsFirst ? 'head at first' : '', r.gapTasksBetween ? 'gap tasks' : '', r.cadence === 'asAgreed' ? 'as agreed' : ''].filter(Boolean);
  return `${n} ${CADENCE[r.cadence]}${length}${plural}${window}${extras.length ? ` (${extras.join('; ')})` : ''}`;
}

/** Every session rule plus in-school and release days, joined with `separator`. Pure. */
export function describeMeetings(p: Programme, separator = '; '): string {
  const parts = p.sessions.map(describeSessionRule);
  if (p.inSchoolDays) parts.push(`${count(p.inSchoolDays.min, p.inSchoolDays.max)} in-school days`);
  if (p.releaseDays) parts.push(`>=${p.releaseDays.minCombined} release days${p.releaseDays.includesMeetings ? ' incl. meetings' : ''}`);
  return parts.join(separator) || 'none';
}

/** "£2,000 per department", "none (£1,000 next year)", "none (school meets cover costs)". Pure. */
export function describeMoney(p: Programme): string {
  if (p.funding) return `${pounds(p.funding.amountPence)} per ${p.funding.recipient}`;
  if (p.fundingLater) return `none (${pounds(p.fundingLater.amountPence)} next year)`;
  if (p.schoolMeetsCosts) return 'none (school meets cover costs)';
  return 'none';
}

/** "up to 8 schools x 2 teachers", "up to 6 teachers: 3 schools x 2", "2 teachers per school". Pure. */
export function describeGroup(p: Programme): string {
  const g = p.group;
  if (g.maxTeachers !== null && g.maxSchools !== null) return `up to ${g.maxTeachers} teachers: ${g.maxSchools} schools x ${g.teachersPerSchool}`;
  if (g.maxSchools !== null) return `up to ${g.maxSchools} schools x ${g.teachersPerSchool} teachers`;
  return `${g.teachersPerSchool} teachers per school`;
}

/** Applications close, schools told and outcome due, joined with `separator`; or "—" when the hub sets it. Pure. */
export function describeDeadline(p: Programme, separator = ', '): string {
  const d = p.deadlines;
  const parts = [d.applicationsClose ? `apply by ${d.applicationsClose}` : '', d.schoolsInformed ? `told ${d.schoolsInformed}` : '', d.outcomeBy ? `outcome by ${d.outcomeBy}` : ''].filter(Boolean);
  return parts.join(separator) || '—';
}

/** "000", "001,003", or "web (copy of 2021/22)" for a carried year. Pure. */
export function describeSources(p: Programme): string {
  const s = p.sources.join(',');
  return p.carriedFrom ? `${s} (copy of ${p.carriedFrom.slice(-7).replace('-', '/')})` : s;
}
