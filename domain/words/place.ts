/**
 * Where a session is held, in words: the one rule for what counts as a place
 * not yet known, and each reader's words for it (the emails, the headteacher
 * page, the hub's school and work group pages). Pure.
 */
import { AT_THE_SCHOOL } from '../catalogue/schema.js';

/** A session's place as recorded: not known yet, at each school of the group (visits), or a named venue. */
export type Place = { kind: 'unknown' } | { kind: 'each-school' } | { kind: 'venue'; name: string };

/** Hub staff type these, or leave the place empty, while a venue is still being booked. */
const NOT_YET_KNOWN = new Set(['', 'to be confirmed', 'tbc', 'tba']);

/** A recorded place read as a Place: blank, "to be confirmed", "TBC" and the like are not known yet. Pure. */
export function placeOf(place: unknown): Place {
  const p = typeof place === 'string' ? place.trim() : '';
  if (NOT_YET_KNOWN.has(p.toLowerCase())) return { kind: 'unknown' };
  if (p === AT_THE_SCHOOL) return { kind: 'each-school' };
  return { kind: 'venue', name: p };
}

/**
 * The readers of a place, and their words for it.
 * - `mail`: an email's "Where" (a school's own people read it): "The Minster School", "Your school", "Venue to be confirmed".
 * - `mailWhere`: inside a sentence: "at The Minster School", "at your school", "with the venue still to be confirmed".
 * - `schoolLink`: the headteacher's page: "The Minster School", "At your school", "Venue to be confirmed".
 * - `schoolPage`: after a session's name on the hub's school page: " at The Minster School", " at Riverside Academy", ", place to be confirmed".
 * - `group`: the hub's work group page, where a visit is at each school of the group: "The Minster School", "At each school", or null (shown as to be confirmed).
 * - `calendar`: a calendar entry's location, read out of context in a calendar app: "The Minster School", "Castle School" (a visit), "Venue to be confirmed".
 */
export type PlaceReader = 'mail' | 'mailWhere' | 'schoolLink' | 'schoolPage' | 'group' | 'calendar';

type Words = { [K in Place['kind']]: (p: Extract<Place, { kind: K }>, school: string | undefined) => string | null };

const READERS: Record<PlaceReader, Words> = {
  mail: { venue: (p) => p.name, 'each-school': () => 'Your school', unknown: () => 'Venue to be confirmed' },
  mailWhere: { venue: (p) => `at ${p.name}`, 'each-school': () => 'at your school', unknown: () => 'with the venue still to be confirmed' },
  schoolLink: { venue: (p) => p.name, 'each-school': () => 'At your school', unknown: () => 'Venue to be confirmed' },
  schoolPage: { venue: (p) => ` at ${p.name}`, 'each-school': (_, school) => ` at ${school ?? 'the school'}`, unknown: () => ', place to be confirmed' },
  group: { venue: (p) => p.name, 'each-school': () => 'At each school', unknown: () => null },
  calendar: { venue: (p) => p.name, 'each-school': (_, school) => school ?? 'At the school', unknown: () => 'Venue to be confirmed' },
};

/** A recorded place in `reader`'s words; `school` names the school where a visit is held at each school (the hub's school page). Pure. */
export function placeInWords(place: unknown, reader: 'group'): string | null;
export function placeInWords(place: unknown, reader: Exclude<PlaceReader, 'group'>, school?: string): string;
export function placeInWords(place: unknown, reader: PlaceReader, school?: string): string | null {
  const p = placeOf(place);
  const words = READERS[reader][p.kind] as (p: Place, school: string | undefined) => string | null;
  return words(p, school);
}
