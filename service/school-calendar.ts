/**
 * The headteacher's page's dates as a calendar file: the school's sessions
 * still to come, each under the same UID as the emails' invites
 * (activities/mail/calendar.ts sessionUid), so importing the file beside the
 * dates email updates the same entries instead of adding a second copy.
 * Pure: the page's view comes in.
 */
import { makeInvite } from '../activities/mail/calendar.js';
import { hubName } from '../activities/mail/render.js';
import { calendarFileName } from './group-calendar.js';
import type { HeadteacherView } from './school-link-view.js';

/** The .ics text and a file name for the school's sessions to come; null when none are planned. `now`: when it is made (its SEQUENCE and DTSTAMP). Pure. */
export function schoolCalendar(v: HeadteacherView, now: string): { content: string; filename: string } | null {
  if (!v.meetings.length) return null;
  const programme = v.programme ?? 'Teaching for Mastery';
  // Named as the emails' invites name it ("East Midlands East Maths Hub: Work Group meeting 2 of 6").
  const hub = hubName(v.hub);
  const invite = makeInvite({
    urn: v.urn,
    decidedAt: now,
    calendarName: `${programme}${v.academicYear ? ` ${v.academicYear}` : ''}`,
    organizer: v.contact,
    sessions: v.meetings.map((m) => ({
      sessionId: m.id,
      startsAt: m.startsAt,
      endsAt: m.endsAt,
      title: `${hub}: ${m.title}`,
      location: m.venue,
      description: `${programme}, ${hub}. ${m.title}: ${m.when}. Where: ${m.venue}. Who: ${m.attend}.${v.group ? ` Led by ${v.group.lead.name}.` : ''}`,
    })),
  });
  return { content: invite.content, filename: calendarFileName(v.school, 'dates') };
}
