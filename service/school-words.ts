/**
 * A school's events, sessions, deadlines and refusals in words a hub officer
 * reads ("Meeting 2 of 6", "Commitment signed by the headteacher and both
 * lead teachers"), never the machine's event names or session ids. Pure.
 */
import { dateTimeAmMidnight, inLondon, longDate } from '../domain/words/dates.js';
import { kindName } from '../domain/words/kinds.js';
import { programmeReadName, withoutCarriedNotes } from '../domain/words/group-name.js';
import type { Programme, Route, SessionKind } from '../domain/catalogue/schema.js';
import { roleTitle } from '../domain/people.js';
import type { SessionBounds } from '../machines/schedule-rules.js';
import { evaluationReminderLead } from './reminder-lead.js';


const SIGNATORY_WORDS: Record<string, string> = {
  headteacher: 'the headteacher',
  headOfDepartment: 'the head of department',
  teacher1: 'lead teacher 1',
  teacher2: 'lead teacher 2',
};

/** Why a school is overdue, for a session whose attendance was never recorded ("Attendance at Meeting 2 of 6 on … has not been recorded."). Pure. */
export function attendanceOverdueWords(session: string, at: string): string {
  return `Attendance at ${session} on ${whenWords(at)} has not been recorded.`;
}

/** An escalation to follow up: the headteacher missed the first workshop (or meeting) the programme asks them to. Pure. */
export function headteacherMissedWords(session: string, at: string, headteacher?: string | null): string {
  return `The headteacher${headteacher ? `, ${headteacher},` : ''} did not attend ${session} on ${whenWords(at)}, which the programme asks them to attend. The hub lead was told.`;
}

/** Why a school is overdue, for an evaluation not submitted by the year's end. Pure. */
export function evaluationOverdueWords(programme: string | null): string {
  return `The end-of-year evaluation for ${programme ?? 'the programme'} has not been submitted, and the year has ended.`;
}

/** "the headteacher" for a signatory id. Pure. */
export function signatoryWords(s: string): string {
  return SIGNATORY_WORDS[s] ?? s;
}

/** "a, b and c". Pure. */
export function andList(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** A session as its kind and number ("Meeting 2 of 6") from its id and, when known, how many of its kind there are. Pure. */
export function sessionName(sessionId: string, ofKind?: number, kindHint?: string): string {
  const m = /(?:^|\.)([A-Za-z]+)-(\d+)$/.exec(sessionId);
  const kind = m?.[1] ?? kindHint ?? 'session';
  const n = m ? Number(m[2]) : null;
  const word = kindName(kind, 'short') ?? 'Session';
  if (n === null) return word;
  return ofKind && ofKind >= n ? `${word} ${n} of ${ofKind}` : `${word} ${n}`;
}

/** "Tuesday 4 November 2025, 1.30pm" in London (midnight as "12am"); the text given when it is not an instant. Pure. */
export function whenWords(instant: string): string {
  return dateTimeAmMidnight(instant) || instant;
}

/**
 * An item of a summary's `upcoming` list in words: a session ("Meeting 2 of
 * 6 at The Minster School, Southwell") or a deadline ("Evaluation due").
 * `ofKind` counts the sessions of that kind when the caller knows it. Pure.
 */
export function upcomingWords(what: string, ofKind?: number): { title: string; kind: 'session' | 'deadline' } {
  const s = /^(meeting|workshop|visit|inSchoolDay) (\S+) at (.*)$/.exec(what);
  if (s) {
    const place = s[3]!.trim();
    return { title: `${sessionName(s[2]!, ofKind, s[1])}${place && place !== 'to be confirmed' ? ` at ${place}` : ', place to be confirmed'}`, kind: 'session' };
  }
  if (what.startsWith('evaluation due')) return { title: 'End-of-year evaluation due', kind: 'deadline' };
  if (what === 'end of academic year') return { title: 'End of the academic year', kind: 'deadline' };
  if (what === 'evaluation reminder') return { title: 'Evaluation reminder to the school', kind: 'deadline' };
  if (what.startsWith('reminder')) return { title: 'Reminder to the school', kind: 'deadline' };
  return { title: what.charAt(0).toUpperCase() + what.slice(1), kind: 'deadline' };
}

const EVENT_ACTIONS: Record<string, string> = {
  APPLY: 'apply',
  ELIGIBILITY_ASSESSED: 'assess eligibility',
  SELECTED: 'select the school',
  WAITLISTED: 'put the school on the waiting list',
  DECLINED: 'decline the application',
  COMMITMENT_SIGNED: 'record the signed commitment',
  SCHEDULE_SET: 'set the schedule',
  SESSION_MOVED: 'move a session',
  SESSION_CANCELLED: 'cancel a session',
  ATTENDANCE_RECORDED: 'record attendance',
  GAP_TASK_COMPLETED: 'record a gap task',
  RELEASE_DAYS_RECORDED: 'record release days',
  EVALUATION_SUBMITTED: 'record the evaluation',
  ADVANCED: 'move the school to its next phase',
  WITHDRAWN: 'withdraw the school',
  DEFERRED: 'defer the school',
  RESUMED: 'resume the school',
  TEACHER_REPLACED: 'replace a lead teacher',
  LEADER_ALLOCATED: 'allocate the school’s leader',
  ACTION_PLAN_CREATED: 'record the action plan',
  ACTION_PLAN_REVIEWED: 'record a review of the action plan',
  MASTERY_READY_JUDGED: 'record the Mastery Ready judgement',
};

/** "record a gap task" for an event type. Pure. */
export function actionWords(eventType: string): string {
  return EVENT_ACTIONS[eventType] ?? 'do this';
}

/**
 * A rule's refusal in words: the machine's reasons are mostly plain already,
 * but may name events ("accepted: SELECTED, WAITLISTED") or signatory ids;
 * those become words. Pure.
 */
export function refusalWords(why: string): string {
  // The back-dating rule names the event and its instant ("MASTERY_READY_JUDGED at 2026-12-03T… falls in …"): the date is what it is about.
  let s = why.replace(/\b[A-Z][A-Z_]{3,} at (\S+) falls in\b/g, '$1 falls in');
  s = s.replace(/\b([A-Z][A-Z_]{3,})\b(?: is not accepted now; accepted: (.*))?/g, (_m, type: string, accepted?: string) => {
    const act = actionWords(type);
    if (accepted === undefined) return act;
    const list = accepted.split(/,\s*/).filter((t) => t && t !== 'nothing').map((t) => actionWords(t.trim()));
    return `it is not possible to ${act} at this step${list.length ? `; at this step the hub can ${andList(list)}` : ''}`;
  });
  s = s.replace(/\b(headteacher|headOfDepartment|teacher1|teacher2)\b(?=[,.]|$| )/g, (m) => signatoryWords(m));
  // Session ids ("secondary-development-2026-27.meeting-02") as "Meeting 2".
  s = s.replace(/\b[a-z0-9-]+\.(meeting|workshop|visit|inSchoolDay)-\d+\b/g, (id) => sessionName(id));
  // Where a rule comes from ("(rule masteryReady, seed 002)") is for the rule book, not the hub officer reading it.
  s = s.replace(/\s*\((?:rules? [A-Za-z]+(?:, )?)?(?:seeds? \d{3}[^()]*)?\)/g, (m) => (/rule|seed/.test(m) ? '' : m));
  s = s.replace(/\(rules? [A-Za-z]+; /g, '(');
  // A programme's name as the pages give it, without the catalogue's "(rules carried forward from 2021/22)".
  s = withoutCarriedNotes(s);
  // The rules write dates as the log does ("2027-06-10", "2026-11-12T09:30:00Z"): a hub officer reads "10 June 2027".
  s = s.replace(/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})/g, (at) => whenWords(at));
  s = s.replace(/\b\d{4}-\d{2}-\d{2}\b(?![T\d-])/g, (d) => longDate(d) || d);
  // The rules are written with straight apostrophes; the pages use typographic ones ("school’s").
  s = s.replace(/(\w)'(\w)/g, '$1’$2');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** A refusal as a sentence of a page (refusalWords, ending with a full stop): for an error summary or a paragraph. Pure. */
export function refusalSentence(why: string): string {
  const s = refusalWords(why).trim();
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

/**
 * Where a moved session's new date must fall, as the hub reads it: "the new
 * date must be in the 2026/27 academic year (1 September 2026 to 31 August
 * 2027)", or the dates of a year that starts early, or the months of the
 * kind's window; `bounds` is the machine's own (sessionBounds). Pure.
 */
export function newDateBoundsWords(p: Pick<Programme, 'name' | 'academicYear'>, kind: SessionKind, bounds: SessionBounds): string {
  const name = programmeReadName(p.name);
  if ('months' in bounds) {
    const month = (m: string) => inLondon(`${m}-01`)?.toFormat('MMMM yyyy') ?? m;
    const months = bounds.months.map((w) => (w.from === w.to ? month(w.from) : `${month(w.from)} to ${month(w.to)}`)).join(' or ');
    const plural = kindName(kind, 'shortInSentence') ?? 'session';
    return `the new date must be in the months ${name} holds its ${plural}s: ${months}`;
  }
  const { from, to } = bounds.year;
  if (from.endsWith('-09-01')) return `the new date must be in the ${p.academicYear} academic year (${longDate(from)} to ${longDate(to)})`;
  return `the new date must be between ${longDate(from)} and ${longDate(to)}, the dates of ${name}`;
}

interface EventLike {
  type: string;
  payload: unknown;
  /** When it happened (a late joiner's dates are told from it). */
  occurredAt?: string;
}

/** One event of a school's history in words: a title and, when useful, a detail line. Pure. */
export function eventWords(e: EventLike, ctx: { groupName?: (id: string) => string | undefined; sessionOfKind?: (kind: string) => number; route?: Route | null } = {}): { title: string; detail?: string } {
  const p = (e.payload ?? {}) as Record<string, any>;
  const session = (id: string) => {
    const m = /\.([A-Za-z]+)-\d+$/.exec(id);
    return sessionName(id, m ? ctx.sessionOfKind?.(m[1]!) : undefined);
  };
  switch (e.type) {
    case 'APPLY':
      return { title: `Applied for ${p.programme?.name ? programmeReadName(p.programme.name) : 'a programme'}`, ...(Array.isArray(p.groupWith) && p.groupWith.length ? { detail: `In a group application with school ${andList(p.groupWith)}` } : {}) };
    case 'ELIGIBILITY_ASSESSED':
      return p.eligible ? { title: 'Assessed as eligible' } : { title: 'Assessed as not eligible', ...(p.note ? { detail: p.note } : {}) };
    case 'SELECTED':
      return { title: `Selected for ${ctx.groupName?.(p.groupId) ?? 'a work group'}` };
    case 'WAITLISTED':
      return { title: 'Put on the waiting list', detail: capital(p.reason) };
    case 'DECLINED':
      return { title: 'Not offered a place', detail: `${capital(p.reason)}.${p.alternative ? ` Offered instead: ${p.alternative}.` : ''}` };
    case 'COMMITMENT_SIGNED':
      return { title: 'Commitment signed', detail: `Signed by ${andList((p.signatories ?? []).map(signatoryWords))}.` };
    case 'SCHEDULE_SET': {
      // A late joiner's dates are the group's year: say which of them are its own, not "the first" of the group's.
      const all: { id: string; at: string }[] = Array.isArray(p.sessions) ? [...p.sessions].sort((a, b) => Date.parse(a.at) - Date.parse(b.at)) : [];
      if (p.joinedLate === true && all.length) {
        const joined = Date.parse(String(p.at ?? e.occurredAt ?? all[0]!.at));
        const own = all.filter((s) => Date.parse(s.at) > joined);
        const held = all.length - own.length;
        return {
          title: `Given the work group’s ${all.length} dates on joining it late`,
          detail: `${held === 0 ? 'None was' : held === 1 ? '1 was' : `${held} were`} held before the school joined, and ${held === 1 ? 'is' : 'are'} not the school’s to attend.${own[0] ? ` Its first is ${session(own[0].id)} on ${whenWords(own[0].at)}.` : ''}`,
        };
      }
      return { title: `The year’s ${Array.isArray(p.sessions) ? p.sessions.length : ''} sessions were scheduled`.replace('  ', ' '), ...(Array.isArray(p.sessions) && p.sessions[0] ? { detail: `The first is on ${whenWords(p.sessions[0].at)}.` } : {}) };
    }
    case 'SESSION_MOVED':
      return { title: `${session(p.sessionId)} moved`, detail: `Now on ${whenWords(p.to)}${p.place ? ` at ${p.place}` : ''}.` };
    case 'SESSION_CANCELLED':
      return { title: `${session(p.sessionId)} cancelled`, detail: capital(p.reason) };
    case 'ATTENDANCE_RECORDED': {
      const t = Number(p.teachersPresent ?? 0);
      return { title: `Attendance recorded for ${session(p.sessionId)}`, detail: `${t === 0 ? 'No teachers' : t === 1 ? '1 teacher' : `${t} teachers`} came${p.headteacherPresent ? ', and the headteacher' : ''}.` };
    }
    case 'GAP_TASK_COMPLETED':
      return { title: 'Gap task completed', detail: capital(p.task) };
    case 'RELEASE_DAYS_RECORDED':
      return { title: `${p.days} teacher release ${Number(p.days) === 1 ? 'day' : 'days'} recorded` };
    case 'EVALUATION_SUBMITTED':
      return { title: 'End-of-year evaluation submitted', ...(p.summary ? { detail: capital(p.summary) } : {}) };
    case 'ADVANCED':
      return { title: `Moved on to ${p.programme?.name ? programmeReadName(p.programme.name) : 'the next phase'}` };
    case 'WITHDRAWN':
      return { title: 'Withdrew from the programme', detail: capital(p.reason) };
    case 'DEFERRED':
      return { title: `Deferred to ${p.untilYear}`, detail: capital(p.reason) };
    case 'RESUMED':
      return { title: `Resumed in ${p.programme?.name ? programmeReadName(p.programme.name) : 'the programme'}` };
    case 'TEACHER_REPLACED':
      return { title: `Lead teacher ${p.slot} replaced`, detail: `${p.teacher?.name ?? 'A new teacher'} takes the place.` };
    case 'LEADER_ALLOCATED':
      return { title: `${p.leader?.name ?? 'A leader'} allocated as the school’s ${roleTitle(p.leader?.role === 'readinessLead' ? 'readinessLead' : 'specialist', ctx.route ?? null)}` };
    case 'ACTION_PLAN_CREATED':
      return { title: 'Action plan on the 5 Big Ideas made' };
    case 'ACTION_PLAN_REVIEWED':
      return { title: `Action plan reviewed at ${session(p.sessionId)}`, ...(p.note ? { detail: capital(p.note) } : {}) };
    case 'MASTERY_READY_JUDGED':
      return { title: p.ready ? 'Judged Mastery Ready' : 'Judged not yet Mastery Ready', ...(p.note ? { detail: capital(p.note) } : {}) };
    case 'REMINDER_DUE':
      // How far ahead: the school page's reminder reader adds it from the session's start when it fired (reminder-outcomes.ts).
      return { title: `Reminder sent: ${session(p.sessionId)}` };
    case 'SESSION_CHECK_DUE':
      return { title: `Checked whether attendance at ${session(p.sessionId)} was recorded` };
    case 'EVALUATION_REMINDER_DUE':
      return { title: `Evaluation reminder sent, ${evaluationReminderLead(typeof p.at === 'string' ? p.at : undefined, p.daysBefore)} before it is due` };
    case 'YEAR_ENDED':
      return { title: `The ${p.academicYear} academic year ended` };
    default:
      return { title: 'Recorded' };
  }
}

function capital(s: unknown): string {
  const t = typeof s === 'string' ? s.trim() : '';
  return t ? t.charAt(0).toUpperCase() + t.slice(1) : '';
}

/** A programme's name without the catalogue's provenance note ("… (rules carried forward from 2020/21)"). Pure. */
export function shortProgrammeName(name: string | null): string | null {
  return name === null ? null : programmeReadName(name);
}

/**
 * A work group's name as a table shows it: the programme and year, and its
 * number in the hub when the id has one ("… Readiness Work Group 2026/27,
 * group 1"), without the hub (the page is about one hub) or the id. Pure.
 */
export function shortGroupName(name: string | null, id: string | null): string | null {
  if (name === null) return id;
  // A name the hub chose (not "<programme>, <hub>, group N") is shown as it was given.
  if (!/,\s+group \S+$/.test(name)) return name;
  const head = shortProgrammeName(name.split(/,\s+/)[0] ?? name)!;
  const n = id ? /-(\d+)$/.exec(id)?.[1] : undefined;
  return n ? `${head}, group ${n}` : head;
}

/** A work group's name for a table cell: "Development 2024/25, group 1". Pure. */
export function compactGroupName(name: string | null, id: string | null): string | null {
  const short = shortGroupName(name, id);
  return short === null ? null : compactProgrammeName(short);
}

/** A programme's name for a table cell, without the route's "Teaching for Mastery" and "Work Group" ("Primary Development 2026/27"). Pure. */
export function compactProgrammeName(name: string | null): string | null {
  if (name === null) return null;
  return (shortProgrammeName(name) ?? name)
    .replace(/^(Primary|Secondary) (Teaching for Mastery |Mastery )?/, '')
    .replace(/Pilot Teacher Research Group/, 'TRG pilot')
    .replace(/ Work Group/, '')
    .trim();
}

/** A change of the headteacher's contact in words: what changed, from what to what. Pure. */
export function contactChangeWords(c: { from: { name: string; email: string } | null; to: { name: string; email: string } }): { title: string; detail: string } {
  const who = (x: { name: string; email: string }) => `${x.name}, ${x.email}`;
  if (!c.from) return { title: 'Headteacher’s contact recorded', detail: `Now ${who(c.to)}` };
  const emailChanged = c.from.email.toLowerCase() !== c.to.email.toLowerCase();
  const nameChanged = c.from.name !== c.to.name;
  const title = emailChanged && nameChanged ? 'Headteacher changed' : emailChanged ? 'Headteacher’s email address changed' : 'Headteacher’s name corrected';
  return { title, detail: `From ${who(c.from)} to ${who(c.to)}` };
}
