/**
 * A school's recorded events in words an auditor or headteacher reads:
 * "Attendance recorded at Work Group meeting 2 of 6 (Tuesday 4 November
 * 2025, 1.30pm): 2 teachers, headteacher absent", never an event type name or
 * an internal session id. Sessions are named by walking the history in order
 * (the schedule event lists them; moves and cancellations change them), so a
 * session keeps the number it had when the event happened. Pure.
 */
import { dateTime } from '../domain/words/dates.js';
import { kindName } from '../domain/words/kinds.js';
import { andList, signatoryWords } from './school-words.js';
import type { HistoryEntry } from '../host/engine.js';
import type { SchoolMail } from '../store/school-mail.js';
import { reminderOutcomeReader } from './reminder-outcomes.js';
import { evaluationReminderLead } from './reminder-lead.js';
import { datesApart } from '../domain/calendar/reminder-day.js';
import { londonDateOf } from '../domain/calendar/london.js';

/** A session kind as people say it ("Work Group meeting"). Pure. */
export function kindInWords(kind: string): string {
  return kindName(kind, 'title') ?? 'Session';
}

/** "the headteacher, lead teacher 1 and lead teacher 2". Pure. */
export const listInWords = andList;

/** Who signed, in words. Pure. */
export function signatoriesInWords(s: readonly string[]): string {
  return andList(s.map(signatoryWords));
}

/** A session as the words need it: what, when, and whether it was cancelled. */
export interface KnownSession {
  id: string;
  kind: string;
  at: string;
  cancelled: boolean;
}

/** "Work Group meeting 2 of 6 (Tuesday 4 November 2025, 1.30pm)" from the sessions known so far. */
function sessionName(sessions: KnownSession[], id: string): string {
  const s = sessions.find((x) => x.id === id);
  if (!s) {
    // A session the walk never saw scheduled (a changed log): name it by its kind only.
    const kind = /\.(meeting|workshop|visit|inSchoolDay)-\d+$/.exec(id)?.[1] ?? '';
    return `a ${kindInWords(kind).toLowerCase()}`;
  }
  const same = sessions.filter((x) => x.kind === s.kind && !x.cancelled).sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || (a.id < b.id ? -1 : 1));
  const n = same.findIndex((x) => x.id === s.id) + 1;
  const title = n > 0 ? `${kindInWords(s.kind)} ${n} of ${same.length}` : kindInWords(s.kind);
  return `${title} (${dateTime(s.at)})`;
}

const CRITERIA_NOTE = (criteria: unknown) => (Array.isArray(criteria) && criteria.length ? ` (${criteria.length} ${criteria.length === 1 ? 'criterion' : 'criteria'} met)` : '');

function quote(s: unknown): string {
  return typeof s === 'string' && s.trim() !== '' ? s.trim().replace(/\.$/, '') : '';
}

type Payload = Record<string, unknown>;

const teacherName = (t: unknown): string => {
  const name = (t as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && name.trim() ? name.trim() : '';
};

/**
 * One event in words, given the sessions and lead teachers known before it.
 * Updates `sessions` and `teachers` for the events after. Pure but for those two.
 */
export function describeEvent(type: string, e: Payload, sessions: KnownSession[], teachers: string[] = []): string {
  const programme = (e.programme as { name?: string } | undefined)?.name ?? 'the programme';
  switch (type) {
    case 'APPLY':
      if (Array.isArray(e.teachers)) teachers.splice(0, teachers.length, ...e.teachers.map(teacherName));
      return `Applied for ${programme}`;
    case 'ELIGIBILITY_ASSESSED':
      return e.eligible ? `Assessed as eligible${CRITERIA_NOTE(e.criteria)}` : `Assessed as not eligible${quote(e.note) ? `: ${quote(e.note)}` : ''}`;
    case 'SELECTED':
      return 'Offered a place in a work group';
    case 'WAITLISTED':
      return `Put on the waiting list: ${quote(e.reason)}`;
    case 'DECLINED':
      return `Not offered a place: ${quote(e.reason)}${quote(e.alternative) ? `. Offered instead: ${quote(e.alternative)}` : ''}`;
    case 'COMMITMENT_SIGNED':
      return `Commitment signed by ${signatoriesInWords((e.signatories as string[]) ?? [])}`;
    case 'SCHEDULE_SET': {
      const list = (e.sessions as { id: string; kind: string; at: string }[]) ?? [];
      sessions.splice(0, sessions.length, ...list.map((s) => ({ id: s.id, kind: s.kind, at: s.at, cancelled: false })));
      const counted = list.filter((s) => s.kind === 'meeting' || s.kind === 'workshop').length;
      const late = e.joinedLate === true ? '; the group’s dates, given on joining it late (those already held are not the school’s to attend)' : '';
      return `The year’s dates were set: ${list.length} ${list.length === 1 ? 'session' : 'sessions'}${counted && counted !== list.length ? `, ${counted} of them meetings or workshops` : ''}${late}`;
    }
    case 'SESSION_MOVED': {
      const before = sessionName(sessions, String(e.sessionId));
      const s = sessions.find((x) => x.id === e.sessionId);
      if (s) s.at = String(e.to);
      return `${capital(before)} moved to ${dateTime(String(e.to))}${quote(e.place) ? `, at ${quote(e.place)}` : ''}`;
    }
    case 'SESSION_CANCELLED': {
      const name = sessionName(sessions, String(e.sessionId));
      const s = sessions.find((x) => x.id === e.sessionId);
      if (s) s.cancelled = true;
      return `${capital(name)} cancelled: ${quote(e.reason)}`;
    }
    case 'ATTENDANCE_RECORDED': {
      const n = Number(e.teachersPresent);
      return `Attendance recorded at ${sessionName(sessions, String(e.sessionId))}: ${n === 0 ? 'no teachers' : n === 1 ? '1 teacher' : `${n} teachers`}, headteacher ${e.headteacherPresent ? 'present' : 'not present'}`;
    }
    case 'GAP_TASK_COMPLETED':
      return `Gap task completed: ${quote(e.task)}`;
    case 'RELEASE_DAYS_RECORDED':
      return `${e.days} teacher release ${Number(e.days) === 1 ? 'day' : 'days'} recorded`;
    case 'EVALUATION_SUBMITTED':
      return 'End-of-year evaluation submitted';
    case 'ADVANCED':
      return `Moved on to ${programme}`;
    case 'WITHDRAWN':
      return `Withdrew: ${quote(e.reason)}`;
    case 'DEFERRED':
      return `Deferred to ${e.untilYear}: ${quote(e.reason)}`;
    case 'RESUMED':
      return `Resumed in ${programme}`;
    case 'TEACHER_REPLACED': {
      const slot = Number(e.slot);
      const left = teachers[slot - 1] ?? '';
      const joined = teacherName(e.teacher);
      if (slot === 1 || slot === 2) teachers[slot - 1] = joined;
      return `Lead teacher ${e.slot}${left ? `, ${left},` : ''} replaced by ${joined || 'a new teacher'}`;
    }
    // A timer firing is not an email sent: entriesInWords says what became of it when given the school's mail.
    case 'REMINDER_DUE': {
      // Counted from the day it went out: a reminder on a day the school was shut moved to an open day.
      const s = sessions.find((x) => x.id === String(e.sessionId));
      const ahead = s && typeof e.at === 'string' ? datesApart(londonDateOf(e.at), londonDateOf(s.at)) : Number(e.daysBefore);
      return `Reminder due ${ahead} ${ahead === 1 ? 'day' : 'days'} before ${sessionName(sessions, String(e.sessionId))}`;
    }
    case 'SESSION_CHECK_DUE':
      return `Attendance check after ${sessionName(sessions, String(e.sessionId))}`;
    case 'EVALUATION_REMINDER_DUE':
      return `Evaluation reminder due ${typeof e.at === 'string' ? evaluationReminderLead(e.at, e.daysBefore) : `${e.daysBefore} days`} before the evaluation is due`;
    case 'YEAR_ENDED':
      return `Academic year ${e.academicYear} ended`;
    default:
      return 'Something else was recorded';
  }
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Who recorded an event, from its actor id and the names of the people the service knows. Pure. */
export function actorInWords(actor: string, names: ReadonlyMap<string, string>): string {
  if (actor === 'timer') return 'The service (scheduled)';
  if (actor === 'demo-seed') return 'Demo set-up';
  if (actor.startsWith('cli:')) return `${actor.slice(4)} (command line)`;
  if (actor.startsWith('school-link:')) return 'The school (headteacher’s link)';
  return names.get(actor) ?? actor;
}

export interface EntryInWords {
  /** Position in the school's history, from 1. */
  number: number;
  what: string;
  /** More about what happened, when there is more to say (what became of a reminder). */
  detail?: string;
  occurredAt: string;
  recordedAt: string;
  who: string;
  rulesVersion: string;
  /** A timer's firing (reminders and checks) rather than something a person recorded. */
  automatic: boolean;
}

/**
 * Every entry of a history in words, in order. `names` maps people's ids to
 * their names. Given the school's mail (store/school-mail.ts), a reminder
 * says whether it was sent, not sent or held, as the school page does. Pure.
 */
export function entriesInWords(entries: readonly HistoryEntry[], names: ReadonlyMap<string, string> = new Map(), mail?: { urn: string; mail: SchoolMail }): EntryInWords[] {
  const sessions: KnownSession[] = [];
  const teachers: string[] = [];
  const outcome = mail ? reminderOutcomeReader(mail.urn, mail.mail) : null;
  return entries.map((e) => {
    const p = (e.payload ?? {}) as Payload;
    // Named before describeEvent, which moves and cancels sessions as it goes.
    // The reader adds how far ahead it went ("in 10 days"), from the session's start when it fired.
    const sessionWhat = e.type === 'REMINDER_DUE' ? sessionName(sessions, String(p.sessionId)) : '';
    const what = describeEvent(e.type, p, sessions, teachers);
    const told = outcome?.(e, capital(sessionWhat)) ?? null;
    return {
      number: e.version,
      what: told?.title ?? what,
      ...(told?.detail ? { detail: told.detail } : {}),
      occurredAt: e.occurredAt,
      recordedAt: e.recordedAt,
      who: actorInWords(e.actor, names),
      rulesVersion: e.machineVersion.replace(/^pathway@/, ''),
      automatic: e.actor === 'timer',
    };
  });
}
