/**
 * What became of each reminder on a school's timeline, in words: a timer
 * firing is not an email sent. The reminder may have been skipped because
 * its moment had passed, held because the headteacher's address is bad (and
 * perhaps sent later to the corrected one), or sent. Matched to the school's
 * message records by the key the machine gives each reminder
 * (`<urn>:<programme>:reminder:<session>:<session start>:<days>`,
 * machines/steps.ts). Pure.
 */
import { daysBefore } from '../domain/calendar/london.js';
import { evaluationReminderLead, reminderCountdown } from './reminder-lead.js';
import { kindName } from '../domain/words/kinds.js';
import type { ProblemRecord, ReminderRecord, SchoolMail } from '../store/school-mail.js';
import { RESENT_SUFFIX } from '../store/messages.js';
import { whenWords } from './school-words.js';


/** A mail problem recorded by the activities, in words for a hub officer. Pure. */
export function mailProblemWords(problem: string): string {
  const parts = problem.split('; ').map((one) => {
    const who = /^the head of department/.test(one) ? 'head of department' : /^a teacher/.test(one) ? 'teacher' : 'headteacher';
    if (/has no email address/.test(one)) return `the ${who} has no email address`;
    const placeholder = /email address "(.*)" is a placeholder/.exec(one);
    if (placeholder) return `the ${who}’s address, ${placeholder[1]}, cannot receive email`;
    const invalid = /email address "(.*)" is not a valid address/.exec(one);
    if (invalid) return `the ${who}’s address, ${invalid[1]}, is not a valid email address`;
    return one.replace(/'/g, '’');
  });
  return parts.join('; ');
}

/** The short form for a timeline title: "the headteacher’s address is not valid". Pure. */
function heldWhy(problem: string): string {
  return /has no email address/.test(problem) ? 'the headteacher has no email address' : 'the headteacher’s address is not valid';
}

/** Why a reminder was not sent, from the note the activity recorded. Pure. */
function notSentWhy(note: string | null, about: string): string {
  const n = (note ?? '').replace(/^not sent:\s*/, '');
  if (/^it was about .* which had passed/.test(n)) return about;
  if (/^it was decided on .* more than \d+ days before it could go out/.test(n)) return 'it was too late to send';
  if (/^nobody to send it to/.test(n)) return 'the school had nobody to send it to';
  return n || 'no reason was recorded';
}

function detailOfNote(note: string | null): string | undefined {
  const n = (note ?? '').replace(/^not sent:\s*/, '');
  if (!/^it was (about|decided)/.test(n)) return undefined;
  return `${n.charAt(0).toUpperCase()}${n.slice(1)}.`;
}

interface MailIndex {
  reminders: Map<string, ReminderRecord>;
  problems: Map<string, ProblemRecord>;
  keys: string[];
}

/** The school's mail records by key. Pure. */
function indexMail(mail: SchoolMail): MailIndex {
  const reminders = new Map(mail.reminders.map((m) => [m.key, m]));
  const problems = new Map(mail.problems.map((p) => [p.key, p]));
  const keys = [...new Set([...reminders.keys(), ...problems.keys()])].filter((k) => !k.endsWith(RESENT_SUFFIX));
  return { reminders, problems, keys };
}

interface ReminderEvent {
  type: string;
  payload: unknown;
}

/** The key of the message a reminder event led to, or null when none was recorded. Pure. */
function reminderKey(e: ReminderEvent, urn: string, programmeId: string | null, index: MailIndex, startsAt?: string): string | null {
  const p = (e.payload ?? {}) as { sessionId?: string; daysBefore?: number; at?: string };
  if (e.type === 'EVALUATION_REMINDER_DUE') {
    const tail = `:evaluation-reminder:${p.daysBefore}`;
    const exact = programmeId ? `${urn}:${programmeId}${tail}` : null;
    if (exact && index.keys.includes(exact)) return exact;
    const any = index.keys.filter((k) => k.endsWith(tail));
    return any.length === 1 ? any[0]! : null;
  }
  if (e.type !== 'REMINDER_DUE' || !p.sessionId) return null;
  const head = `${programmeId ? `${urn}:${programmeId}` : ''}:reminder:${p.sessionId}:`;
  const tail = `:${p.daysBefore}`;
  // The session's start when it fired, as the machine keyed its message (a reminder moved off a closed day is not n days before it).
  if (programmeId && startsAt && index.keys.includes(`${head}${startsAt}${tail}`)) return `${head}${startsAt}${tail}`;
  const candidates = index.keys.filter((k) => (programmeId ? k.startsWith(head) : k.includes(head)) && k.endsWith(tail));
  // A session moved after a reminder has one key per start time: the one this firing belongs to is n days before its start.
  const fired = Date.parse(p.at ?? '');
  const exact = candidates.find((k) => {
    const start = k.slice(k.indexOf(head) + head.length, k.length - tail.length);
    try {
      return Date.parse(daysBefore(start, Number(p.daysBefore))) === fired;
    } catch {
      return false;
    }
  });
  return exact ?? (candidates.length === 1 ? candidates[0]! : null);
}

/**
 * The timeline words for a reminder whose message is `key`: `what` names
 * it ("Meeting 2 of 6 in 14 days"), `label` starts the title ("Reminder",
 * "Evaluation reminder"), `about` says why one about the past was not sent
 * ("the meeting had already happened"). Pure.
 */
function reminderOutcomeWords(key: string | null, index: MailIndex, o: { label: string; what: string; about: string }): { title: string; detail?: string } {
  const { label, what, about } = o;
  if (key === null) return { title: `${label} due: ${what}`, detail: 'No email was recorded for it.' };
  const sent = index.reminders.get(key);
  const problem = index.problems.get(key);
  const resent = index.reminders.get(`${key}${RESENT_SUFFIX}`);
  const teachersToo = sent?.status === 'sent' && sent.recipients.length > 0 ? ' The lead teachers were sent it.' : '';
  if (problem && !problem.resolvedAt) {
    return { title: `${label} held: ${heldWhy(problem.problem)}`, detail: `${what}. It goes to the headteacher once their address is corrected, if it is still in time.${teachersToo}` };
  }
  if (problem) {
    if (resent?.status === 'sent') return { title: `${label} sent: ${what}`, detail: `Held until the headteacher’s address was corrected, then sent to them on ${whenWords(resent.at)}.${teachersToo}` };
    if (resent) return { title: `${label} not sent to the headteacher: ${notSentWhy(resent.note, about)}`, detail: `${what}. Held until their address was corrected, by which time it was too late.${teachersToo}` };
    return { title: `${label} held: waiting to go to the corrected address`, detail: `${what}.${teachersToo}` };
  }
  if (sent?.status === 'skipped') {
    const detail = detailOfNote(sent.note);
    return { title: `${label} not sent: ${notSentWhy(sent.note, about)}`, detail: `${what}.${detail ? ` ${detail}` : ''}` };
  }
  if (sent) return { title: `${label} sent: ${what}` };
  return { title: `${label} due: ${what}`, detail: 'No email was recorded for it.' };
}

/** Words for a reminder event: a title, and a detail when there is more to say. */
export interface ReminderOutcome {
  title: string;
  detail?: string;
}

/**
 * Reads a school's events in order (every event, so it knows which
 * programme each reminder belongs to) and says what became of each
 * reminder: null for any other event. `sessionWhat` names a session
 * reminder's session in the reader's words ("Work Group meeting 2 of 6"),
 * and the reader says how far ahead it was ("in 10 days");
 * an evaluation reminder is named here. Used by the school page and the
 * audit pages, so both tell the same story. Pure but for the programme it
 * remembers between calls.
 */
export function reminderOutcomeReader(urn: string, mail: SchoolMail): (e: ReminderEvent, sessionWhat: string) => ReminderOutcome | null {
  const index = indexMail(mail);
  let programmeId: string | null = null;
  // Each session's start as the events so far set it: what a reminder counted from when it fired.
  const starts = new Map<string, string>();
  return (e, sessionWhat) => {
    const pid = (e.payload as { programme?: { id?: string } } | null)?.programme?.id;
    if ((e.type === 'APPLY' || e.type === 'ADVANCED' || e.type === 'RESUMED') && pid) programmeId = pid;
    const pay = (e.payload ?? {}) as { sessions?: { id?: unknown; at?: unknown }[]; sessionId?: unknown; to?: unknown };
    if (e.type === 'SCHEDULE_SET' && Array.isArray(pay.sessions)) for (const s of pay.sessions) if (typeof s?.id === 'string' && typeof s.at === 'string') starts.set(s.id, s.at);
    if (e.type === 'SESSION_MOVED' && typeof pay.sessionId === 'string' && typeof pay.to === 'string') starts.set(pay.sessionId, pay.to);
    if (e.type !== 'REMINDER_DUE' && e.type !== 'EVALUATION_REMINDER_DUE') return null;
    const pl = (e.payload ?? {}) as { sessionId?: string; daysBefore?: number; at?: string };
    const startsAt = pl.sessionId ? starts.get(pl.sessionId) : undefined;
    const key = reminderKey(e, urn, programmeId, index, startsAt);
    return e.type === 'REMINDER_DUE'
      ? reminderOutcomeWords(key, index, { label: 'Reminder', what: `${sessionWhat} ${reminderCountdown(pl.at, startsAt, pl.daysBefore)}`, about: sessionPassedWords(String(pl.sessionId ?? '')) })
      : reminderOutcomeWords(key, index, { label: 'Evaluation reminder', what: `The end-of-year evaluation, ${evaluationReminderLead(pl.at, pl.daysBefore)} before it is due`, about: 'the evaluation was already due' });
  };
}

/** "the meeting had already happened" for a session id. Pure. */
export function sessionPassedWords(sessionId: string): string {
  const kind = /\.([A-Za-z]+)-\d+$/.exec(sessionId)?.[1] ?? '';
  return `the ${kindName(kind, 'shortInSentence') ?? 'session'} had already happened`;
}
