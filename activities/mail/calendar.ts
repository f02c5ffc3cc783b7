/**
 * Calendar invites (iCalendar, RFC 5545) for session messages, made with
 * ical-generator. Each session of each school has one UID for ever, so a
 * calendar that imported it updates the same entry when the session moves
 * (SEQUENCE goes up) and removes it when it is cancelled (METHOD:CANCEL,
 * STATUS:CANCELLED). The schedule announcement carries the whole year.
 * Pure: everything comes in as data.
 */
import { createHash } from 'node:crypto';
import ical, { ICalCalendarMethod, ICalEventStatus } from 'ical-generator';

export interface InviteSession {
  /** The session's id in the schedule (not shown; only hashed into the UID). */
  sessionId: string;
  startsAt: string;
  endsAt: string;
  title: string;
  location: string;
  description: string;
}

export interface Invite {
  method: 'PUBLISH' | 'CANCEL';
  /** The .ics text. */
  content: string;
  filename: string;
}

const EPOCH = Date.parse('2018-01-01T00:00:00Z');

/** The UID of one session for one school: stable, and carrying no internal id. Pure. */
export function sessionUid(urn: string, sessionId: string): string {
  return `${createHash('sha256').update(`${urn}\u0000${sessionId}`).digest('hex').slice(0, 32)}@mastery-pathway`;
}

/**
 * The SEQUENCE of an invite decided at `decidedAt`: minutes since 2018, so
 * each later change (a move, then a cancellation) carries a higher number
 * without the machine counting moves, and a resend of the same message
 * carries the same one. Pure.
 */
export function sequenceAt(decidedAt: string): number {
  const t = Date.parse(decidedAt);
  if (Number.isNaN(t)) throw new RangeError(`not an ISO instant: ${JSON.stringify(decidedAt)}`);
  return Math.max(0, Math.floor((t - EPOCH) / 60_000));
}

export interface InviteInput {
  urn: string;
  sessions: InviteSession[];
  decidedAt: string;
  cancel?: boolean;
  calendarName: string;
  organizer: { name: string; email: string };
}

/**
 * The schools of a work group are sent the same sessions' invite, identical
 * but for the UIDs and for when it was decided (DTSTAMP, SEQUENCE): each
 * school's schedule announcement is decided when that school was selected.
 * ical-generator's text is kept with stand-ins of the same length for the
 * UIDs (so the lines fold the same) and for the stamp and sequence (lines of
 * their own, far too short to fold), and the school's own are put in.
 * ical-generator 10 folds its lines one character at a time through a new
 * TextEncoder each, which cost a simulation more than the rest of its
 * calendar work (fixed in 11, which needs Node 22).
 */
const made = new Map<string, string>();
const MADE_MAX = 1_000;

/** A stand-in UID: as long as sessionUid's, and never one (p and z are not hex digits). */
function standInUid(i: number): string {
  return `p${String(i).padStart(6, '0')}${'z'.repeat(25)}@mastery-pathway`;
}

/** The stand-in decision time: before any programme, so no real stamp is ever it. */
const STAND_IN_DECIDED = '2000-01-01T00:00:00Z';
// Whole lines (a folded line goes on with a space, so no text of a description starts one).
const STAND_IN_STAMP = '\r\nDTSTAMP:20000101T000000Z\r\n';
const STAND_IN_SEQUENCE = `\r\nSEQUENCE:${sequenceAt(STAND_IN_DECIDED)}\r\n`;

/** The DTSTAMP line of an instant, as ical-generator writes it (UTC, whole seconds). Pure. */
function stampLine(decidedAt: string): string {
  return `\r\nDTSTAMP:${new Date(decidedAt).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')}\r\n`;
}

/** An invite for `sessions` of school `urn` (one for a session message, the year for an announcement). Pure (its cache holds only what it returns). */
export function makeInvite(o: InviteInput): Invite {
  const key = JSON.stringify([o.sessions, o.cancel === true, o.calendarName, o.organizer]);
  let text = made.get(key);
  if (text === undefined) {
    text = buildInvite({ ...o, decidedAt: STAND_IN_DECIDED }, o.sessions.map((_, i) => standInUid(i))).content;
    // The oldest out, not all: with many groups, emptying it dropped the invites of groups still being written to.
    if (made.size >= MADE_MAX) made.delete(made.keys().next().value!);
    made.set(key, text);
  }
  let content = text.split(STAND_IN_STAMP).join(stampLine(o.decidedAt)).split(STAND_IN_SEQUENCE).join(`\r\nSEQUENCE:${sequenceAt(o.decidedAt)}\r\n`);
  o.sessions.forEach((s, i) => (content = content.split(standInUid(i)).join(sessionUid(o.urn, s.sessionId))));
  return { method: o.cancel ? 'CANCEL' : 'PUBLISH', content, filename: inviteFilename(o) };
}

/** The invite as ical-generator writes it, each session under the UID given. Pure. */
export function buildInvite(o: InviteInput, uids: readonly string[] = o.sessions.map((s) => sessionUid(o.urn, s.sessionId))): Invite {
  const method = o.cancel ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.PUBLISH;
  const cal = ical({ name: o.calendarName, method, prodId: { company: 'Maths Hubs', product: 'Mastery Pathway', language: 'EN' } });
  const sequence = sequenceAt(o.decidedAt);
  o.sessions.forEach((s, i) => {
    cal.createEvent({
      id: uids[i]!,
      sequence,
      stamp: new Date(o.decidedAt),
      start: new Date(s.startsAt),
      end: new Date(s.endsAt),
      summary: s.title,
      location: s.location,
      description: s.description,
      organizer: { name: o.organizer.name, email: o.organizer.email },
      status: o.cancel ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    });
  });
  return { method: o.cancel ? 'CANCEL' : 'PUBLISH', content: foldingFast(() => cal.toString()), filename: inviteFilename(o) };
}

/**
 * ical-generator 10 folds lines at 75 octets by measuring each character
 * with `new TextEncoder().encode(ch).length`: 2-3 ms an invite, most of a
 * simulation's calendar work (11 counts bytes directly, but needs Node 22).
 * While its toString() runs (synchronously: nothing else runs meanwhile), a
 * TextEncoder that only counts a character's UTF-8 bytes stands in; the
 * text is the same (test/messages-ics).
 */
function foldingFast<T>(write: () => T): T {
  const real = globalThis.TextEncoder;
  globalThis.TextEncoder = CountingEncoder as unknown as typeof TextEncoder;
  try {
    return write();
  } finally {
    globalThis.TextEncoder = real;
  }
}

/** Encodes nothing: `encode(ch).length` is the UTF-8 length of `ch` (one character, or a surrogate pair), all the fold asks of it. */
class CountingEncoder {
  readonly encoding = 'utf-8';
  encode(text = ''): { length: number } {
    let n = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x80) n += 1;
      else if (c < 0x800) n += 2;
      else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
        n += 4;
        i++;
      } else n += 3;
    }
    return { length: n };
  }
}

function inviteFilename(o: InviteInput): string {
  return o.cancel ? 'cancelled.ics' : o.sessions.length > 1 ? 'dates.ics' : 'invite.ics';
}
