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

/** An invite for `sessions` of school `urn` (one for a session message, the year for an announcement). Pure. */
export function makeInvite(o: {
  urn: string;
  sessions: InviteSession[];
  decidedAt: string;
  cancel?: boolean;
  calendarName: string;
  organizer: { name: string; email: string };
}): Invite {
  const method = o.cancel ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.PUBLISH;
  const cal = ical({ name: o.calendarName, method, prodId: { company: 'Maths Hubs', product: 'Mastery Pathway', language: 'EN' } });
  const sequence = sequenceAt(o.decidedAt);
  for (const s of o.sessions) {
    cal.createEvent({
      id: sessionUid(o.urn, s.sessionId),
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
  }
  return { method: o.cancel ? 'CANCEL' : 'PUBLISH', content: cal.toString(), filename: o.cancel ? 'cancelled.ics' : o.sessions.length > 1 ? 'dates.ics' : 'invite.ics' };
}
