/**
 * A session kind's name in words ("Work Group meeting", "workshop", "school
 * visit", "in-school day"): the one copy for the emails, the pages and the
 * use cases. Each reader has its own form, named below; each caller says what
 * an unknown kind is called. A session has one name on every page: the
 * hub's school page, its group page and the headteacher's page once called one
 * visit "Visit", "Specialist visit" and "School visit". Pure.
 */

import { programmeById } from '../catalogue/programmes.js';

/** The forms of a kind's name, by reader. */
export interface KindNames {
  /** "Work Group meeting", "Workshop", "School visit": email titles, the audit and headteacher pages. */
  title: string;
  /** "Work Group meeting", "workshop", "school visit": mid-sentence in the emails. */
  inSentence: string;
  /** "Meeting", "Workshop", "School visit": the school page, the hub board and the work group pages ("Meeting 2 of 6"). */
  short: string;
  /** "meeting", "workshop", "school visit": mid-sentence on the school page ("the meeting had already happened"). */
  shortInSentence: string;
}

const NAMES: Record<string, KindNames> = {
  meeting: { title: 'Work Group meeting', inSentence: 'Work Group meeting', short: 'Meeting', shortInSentence: 'meeting' },
  workshop: { title: 'Workshop', inSentence: 'workshop', short: 'Workshop', shortInSentence: 'workshop' },
  visit: { title: 'School visit', inSentence: 'school visit', short: 'School visit', shortInSentence: 'school visit' },
  inSchoolDay: { title: 'In-school day', inSentence: 'in-school day', short: 'In-school day', shortInSentence: 'in-school day' },
};

/** A session kind's name in the reader's form, or undefined for a kind that is not one of the catalogue's. Pure. */
export function kindName(kind: unknown, form: keyof KindNames): string | undefined {
  return Object.hasOwn(NAMES, String(kind)) ? NAMES[String(kind)]![form] : undefined;
}

/**
 * What a programme's counted sessions are called in the plural: the kinds a
 * school must attend a number of (meetings, workshops), in the order given,
 * e.g. "meetings", "workshops", "meetings and workshops"; "sessions" when
 * none is named. A Readiness school attends workshops, and its pages once
 * said "Meetings attended". Pure.
 */
export function countedSessionsName(kinds: readonly string[], capital = false): string {
  const plural: Record<string, string> = { meeting: 'meetings', workshop: 'workshops' };
  const names = [...new Set(kinds.filter((k) => Object.hasOwn(plural, k)).map((k) => plural[k]!))];
  const words = names.length === 0 ? 'sessions' : names.join(' and ');
  return capital ? words[0]!.toUpperCase() + words.slice(1) : words;
}

/** The same in the singular after "every": "every meeting", "every workshop", "every meeting and workshop". Pure. */
export function countedSessionName(kinds: readonly string[]): string {
  const names = [...new Set(kinds.filter((k) => k === 'meeting' || k === 'workshop'))];
  return names.length === 0 ? 'session' : names.join(' and ');
}

/** The session kinds of a catalogue programme by its id; none when the id is not in this catalogue (an old message, a test's programme). Pure. */
export function sessionKindsOf(programmeId: unknown): string[] {
  if (typeof programmeId !== 'string' || programmeId === '') return [];
  try {
    return programmeById(programmeId).sessions.map((r) => r.kind);
  } catch {
    return [];
  }
}
