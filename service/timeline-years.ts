/**
 * A school's timeline in academic years: a school on the pathway for five
 * years has hundreds of entries, and the hub reads this year's; earlier
 * years are there for when someone asks. Pure.
 */
import { academicYearOf } from '../domain/calendar/academic-year.js';
import { phaseName } from '../domain/words/school-state.js';

export interface TimelineYear<T> {
  /** "2025/26". */
  year: string;
  /** The phases the school was in during the year, in order, in words: "Embedding, then Sustaining"; null when no event names one. */
  phases: string | null;
  /** "42 entries". */
  count: string;
  entries: T[];
  /** The newest year is shown open; earlier ones folded. */
  open: boolean;
}

/**
 * Splits a timeline sorted newest first into its academic years (from
 * 1 September, London dates), newest first, keeping each year's order. Pure.
 */
export function timelineYears<T extends { at: string; phase?: string }>(newestFirst: T[]): TimelineYear<T>[] {
  const years: TimelineYear<T>[] = [];
  for (const entry of newestFirst) {
    const year = academicYearOf(entry.at);
    let last = years[years.length - 1];
    if (last?.year !== year) years.push((last = { year, phases: null, count: '', entries: [], open: years.length === 0 }));
    last.entries.push(entry);
  }
  for (const y of years) {
    const phases: string[] = [];
    // Oldest first, so that "then" reads forwards.
    for (const e of [...y.entries].reverse()) {
      const name = e.phase && e.phase !== 'none' ? phaseName(e.phase) : null;
      if (name && phases[phases.length - 1] !== name) phases.push(name);
    }
    y.phases = phases.length ? phases.join(', then ') : null;
    y.count = `${y.entries.length} ${y.entries.length === 1 ? 'entry' : 'entries'}`;
  }
  return years;
}
