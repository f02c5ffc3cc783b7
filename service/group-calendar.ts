/**
 * A work group's sessions as an iCalendar file (RFC 5545) for hub staff to
 * import, made with ical-generator. Each session keeps one UID for ever (a
 * hash of the group and session, so no internal id is shown) and its
 * SEQUENCE is the number of times it was moved, so a calendar that imported
 * the file updates the same entry (times in UTC, so no time zone table is
 * needed); a cancelled session stays in the file
 * with STATUS:CANCELLED so calendars remove it. Pure: the sessions come in.
 */
import { createHash } from 'node:crypto';
import ical, { ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import type { SessionView } from './group-view.js';

/** The stable UID of one session of one group. Pure. */
export function groupSessionUid(groupId: string, sessionId: string): string {
  return `${createHash('sha256').update(`group\u0000${groupId}\u0000${sessionId}`).digest('hex').slice(0, 32)}@mastery-pathway`;
}

/** A file name for the group's calendar: letters, digits and dashes only. Pure. */
export function calendarFileName(groupName: string, year: string): string {
  const base = `${groupName} ${year}`.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return `${base.slice(0, 80) || 'work-group'}.ics`;
}

/**
 * The .ics text for `sessions` of a group. `moved` gives each session's
 * number of moves (SEQUENCE); `stamp` is when the file is made (DTSTAMP). Pure.
 */
export function groupCalendar(o: {
  groupId: string;
  groupName: string;
  programmeName: string;
  lead: { name: string; email: string };
  sessions: SessionView[];
  moved: Map<string, number>;
  stamp: string;
}): string {
  const cal = ical({ name: o.groupName, method: ICalCalendarMethod.PUBLISH, prodId: { company: 'Maths Hubs', product: 'Mastery Pathway', language: 'EN' } });
  for (const s of o.sessions) {
    const description = [`${o.programmeName}: ${s.label.toLowerCase()}.`, s.status === 'cancelled' && s.note ? `Cancelled: ${s.note}` : '', `Work group lead: ${o.lead.name} (${o.lead.email}).`].filter(Boolean).join('\n');
    cal.createEvent({
      id: groupSessionUid(o.groupId, s.sessionId),
      sequence: o.moved.get(s.sessionId) ?? 0,
      stamp: new Date(o.stamp),
      start: new Date(s.startsAt),
      end: new Date(s.endsAt),
      summary: `${s.status === 'cancelled' ? 'Cancelled: ' : ''}${s.kindWords} ${s.status === 'cancelled' ? '' : `${s.number} of ${s.of} `}– ${o.groupName}`.replace(/\s+/g, ' '),
      location: s.place ?? 'Venue to be confirmed',
      description,
      organizer: { name: o.lead.name, email: o.lead.email },
      status: s.status === 'cancelled' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    });
  }
  return cal.toString();
}
