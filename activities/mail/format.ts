/**
 * Words and dates for messages, in the GOV.UK style a headteacher reads:
 * "Tuesday 4 November 2025, 1.30pm to 4pm", "in 14 days", "tomorrow",
 * "Work Group meeting 2 of 6". Every date is shown in Europe/London, GMT or
 * BST as that day has it. Pure: the instants come in as arguments.
 */
// The dates of emails: en-GB names, "midday", a RangeError for a bad instant (domain/words/dates.ts).
export {
  emailTimeOfDay as timeOfDay,
  emailLongDate as longDate,
  emailLongWhen as longWhen,
  emailShortWhen as shortWhen,
  emailDaysBetween as daysBetween,
  emailCountdown as countdown,
} from '../../domain/words/dates.js';
import { placeInWords } from '../../domain/words/place.js';
import { kindName as sessionKindName } from '../../domain/words/kinds.js';

/** A session kind in words: "Work Group meeting", "workshop", "school visit", "in-school day" (an unknown kind as a meeting). Pure. */
export function kindName(kind: unknown, capital = false): string {
  const form = capital ? 'title' : 'inSentence';
  return sessionKindName(kind, form) ?? sessionKindName('meeting', form)!;
}

/** "Work Group meeting 2 of 6" (or without the numbers when they are not known). Pure. */
export function sessionTitle(kind: unknown, n: unknown, of: unknown): string {
  const title = kindName(kind, true);
  return typeof n === 'number' && typeof of === 'number' && n > 0 && of > 0 ? `${title} ${n} of ${of}` : title;
}

/** The place as an email's "Where" gives it, or "Venue to be confirmed" when none is known yet; a visit held at each school is at "Your school". Pure. */
export function venue(place: unknown): string {
  return placeInWords(place, 'mail');
}

/** Where something was, inside a sentence: "at Kingsmead Academy", or "with the venue still to be confirmed". Pure. */
export function atVenue(place: unknown): string {
  return placeInWords(place, 'mailWhere');
}

/** "£2,000" from pence. Pure. */
export { pounds } from '../../domain/catalogue/describe.js';
