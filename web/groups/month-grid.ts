/**
 * A year of sessions as month calendars: one table per month, a row per
 * week (Monday first), each day with the sessions on it. Days when schools
 * are closed are marked, so the page can say so without colour alone. Pure.
 */
import { DateTime } from 'luxon';
import { LONDON } from '../../domain/calendar/london.js';
import { isSchoolDay } from '../../domain/calendar/terms.js';

export interface GridSession {
  sessionId: string;
  /** "Meeting 2 of 6". */
  label: string;
  /** What the cell shows ("Meeting 2"); the rest of the label is read out, not shown. */
  short: string;
  /** The label's words before and after the short form, for screen readers ("Specialist ", " of 3"). */
  before: string;
  after: string;
  startsAt: string;
  status: string;
}

export interface GridDay {
  /** null: a day of the previous or next month (an empty cell). */
  day: number | null;
  date: string | null;
  /** "Tuesday 10 November 2026", for the cell's accessible name. */
  words: string;
  closed: boolean;
  today: boolean;
  sessions: GridSession[];
}

export interface GridMonth {
  /** "November 2026". */
  caption: string;
  weeks: GridDay[][];
}

const blank: GridDay = { day: null, date: null, words: '', closed: false, today: false, sessions: [] };

/**
 * A label split for a narrow cell: "School visit 1 of 3" -> before
 * "School ", short "visit 1", after " of 3"; "Meeting (cancelled)" ->
 * short "Meeting", after " (cancelled)" (the cell strikes it through, and the
 * words are read out). Pure.
 */
export function splitLabel(label: string): { before: string; short: string; after: string } {
  const m = /^(.*?)(\S+ \d+)( of \d+)$/.exec(label) ?? /^(.*?)(\S+)( \(cancelled\))$/.exec(label);
  return m ? { before: m[1]!, short: m[2]!, after: m[3]! } : { before: '', short: label, after: '' };
}

/** The months from the first session's to the last's, each as a Monday-first grid. Pure. */
export function monthGrids(sessions: GridSession[], now: string, hub?: string): GridMonth[] {
  if (sessions.length === 0) return [];
  const london = (iso: string) => DateTime.fromISO(iso, { setZone: true }).setZone(LONDON);
  const times = sessions.map((s) => london(s.startsAt)).sort((a, b) => a.toMillis() - b.toMillis());
  const today = london(now).toISODate();
  const byDate = new Map<string, GridSession[]>();
  for (const s of sessions) {
    const d = london(s.startsAt).toISODate()!;
    byDate.set(d, [...(byDate.get(d) ?? []), s].sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt)));
  }
  const months: GridMonth[] = [];
  const last = times[times.length - 1]!.startOf('month');
  for (let m = times[0]!.startOf('month'); m <= last; m = m.plus({ months: 1 })) {
    const weeks: GridDay[][] = [];
    let week: GridDay[] = Array.from({ length: m.weekday - 1 }, () => blank);
    for (let d = m; d.month === m.month; d = d.plus({ days: 1 })) {
      const iso = d.toISODate()!;
      week.push({ day: d.day, date: iso, words: d.toFormat('cccc d MMMM yyyy'), closed: !isSchoolDay(iso, hub ? { hub } : undefined), today: iso === today, sessions: byDate.get(iso) ?? [] });
      if (week.length === 7) weeks.push(week), (week = []);
    }
    if (week.length) weeks.push([...week, ...Array.from({ length: 7 - week.length }, () => blank)]);
    months.push({ caption: m.toFormat('MMMM yyyy'), weeks });
  }
  return months;
}
