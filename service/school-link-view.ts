/**
 * The headteacher's page behind a signed link: no account, one school, read
 * only. A link names the school and when it stops working, sealed with the
 * service's "school-links" key (domain/school-link.ts); a link that was
 * altered, cut short or has expired opens nothing. What the page shows is
 * derived from the school's current state: upcoming meetings with who should
 * attend, what is asked of the school now, the grant, and whom to contact.
 * Not pure (engine and database I/O) but for the functions marked pure.
 */
import { placeInWords } from '../domain/words/place.js';
import { countedSessionName, countedSessionsName } from '../domain/words/kinds.js';
import { programmeReadName } from '../domain/words/group-name.js';
import { pounds } from '../domain/catalogue/describe.js';
import { findHub } from '../domain/catalogue/hubs.js';
import { SCHOOL_LINK_PATH, schoolLinkExpiry, schoolLinkToken, schoolLinkUrl, verifySchoolLink } from '../domain/school-link.js';
import { parseEvent, whyRejected, type PersistedPathway } from '../machines/decide.js';
import type { PathwayContext, SessionRecord } from '../machines/context.js';
import { firstSession, requiredSessions, sessionsHeld } from '../machines/rules.js';
import { HALF_DAY_MINUTES } from '../machines/steps.js';
import { academicYearEnd } from '../machines/time.js';
import { LEFT_STATUSES, phaseAndStatus } from '../machines/summary.js';
import { EventRejectedError, UnknownSchoolError, VersionConflictError } from '../domain/errors.js';
import { payments } from '../store/ledger.js';
import { serviceKey } from '../store/ops/keys.js';
import { hubLeadFor } from '../store/ops/hub-contacts.js';
import { getGroup } from '../store/ops/groups.js';
import { assertWrite, hubIdOf, hubLabel } from './access.js';
import type { Principal, Service } from './context.js';
import { publicUrl } from '../activities/mail/render.js';
import { dateTime, dateTimeSpan, longDate } from '../domain/words/dates.js';
import { kindInWords, listInWords, signatoriesInWords } from './event-words.js';
import { grantStatus, type GrantStatus } from './grant-status.js';
import { phaseName } from '../domain/words/school-state.js';
import { submitEvaluation } from './schools.js';

/**
 * The path of a school's headteacher link, `/for-schools/<token>`, valid for
 * SCHOOL_LINK_DAYS from `now` (ISO; default the service clock). Not pure
 * (reads or makes the key).
 */
export async function schoolLinkFor(svc: Service, urn: string, now: string = svc.now()): Promise<string> {
  return `${SCHOOL_LINK_PATH}/${schoolLinkToken(await serviceKey(svc.db, 'school-links'), urn, now)}`;
}

export interface MeetingForSchool {
  /** The session's id (for the calendar file's UIDs, the same as the emails' invites; not shown). */
  id: string;
  kind: SessionRecord['kind'];
  title: string;
  /** "Tuesday 4 November 2025, 1.30pm to 4pm". */
  when: string;
  startsAt: string;
  endsAt: string;
  venue: string;
  /** Who from the school should be there, in words. */
  attend: string;
}

/** A session of this year already past, and what the hub recorded of the school at it. */
export interface SessionSoFar {
  id: string;
  kind: SessionRecord['kind'];
  /** "Workshop 1 of 6", numbered as the upcoming ones are. */
  title: string;
  /** "Thursday 10 September 2026, 9am to 11.30am". */
  when: string;
  /** What was recorded, in words: "2 teachers attended", "No teacher from your school attended", "Not recorded yet: …". */
  recorded: string;
  /** Whether the school's attendance there falls short: nobody came, or it is not recorded yet. */
  attention: boolean;
}

export interface AskOfSchool {
  /** Short heading: "Sign the commitment". */
  title: string;
  text: string;
  /** Past its date or escalated. */
  urgent: boolean;
  /** A page that helps do it, below the school's link: "/commitment" (the form to print). */
  linkSuffix?: string;
  linkText?: string;
}

export interface HeadteacherView {
  urn: string;
  school: string;
  hub: string;
  headteacher: string | null;
  phase: string;
  status: string;
  programme: string | null;
  academicYear: string | null;
  meetings: MeetingForSchool[];
  /** This year's sessions already past, oldest first, with what was recorded (pastSessions). */
  sessionsSoFar: SessionSoFar[];
  /** The counted sessions attended and the number required (null before a phase with sessions). */
  attendance: { held: number; required: number } | null;
  /** Whether school visits are among the meetings to come (the page then says "meetings and visits"). */
  visitsAhead: boolean;
  /** What the programme's counted sessions are called: "meetings", "workshops"; one of them: "meeting", "workshop". */
  sessionsName: string;
  sessionName: string;
  asks: AskOfSchool[];
  grant: GrantStatus;
  /**
   * `applies`: the school has a place this year, so the evaluation is asked of it;
   * `canSend`: the school's state takes it now, so the page offers the form to send it;
   * `notNow`: why it cannot be sent yet, in plain words (null when it can, or was sent).
   */
  evaluation: { required: boolean; applies: boolean; what: string | null; dueBy: string | null; submittedAt: string | null; overdue: boolean; canSend: boolean; notNow: string | null };
  contact: { name: string; email: string };
  group: { name: string; lead: { name: string; email: string } } | null;
  /** When the link stops working. */
  linkExpiresAt: string;
}

/** Whom to ask for a new link when one has expired: the school's hub lead. */
export interface NewLinkContact {
  /** "East Midlands East Maths Hub". */
  hub: string;
  name: string;
  email: string;
}

export type OpenedLink =
  | { ok: true; view: HeadteacherView }
  | { ok: false; reason: 'malformed' | 'tampered' | 'unknown' }
  | { ok: false; reason: 'expired'; expiredAt: string; contact: NewLinkContact | null };

/**
 * Opens a headteacher link: the school's page when the seal holds and the
 * link has not expired (against the service clock), otherwise why not, with
 * nothing of the school. Not pure.
 */
export async function openSchoolLink(svc: Service, token: string): Promise<OpenedLink> {
  const key = await serviceKey(svc.db, 'school-links');
  const now = svc.now();
  const check = verifySchoolLink(key, token, now);
  if (!check.ok && check.reason === 'expired' && check.claims) return { ok: false, reason: 'expired', expiredAt: check.claims.expiresAt, contact: await newLinkContact(svc, check.claims.urn) };
  if (!check.ok) return { ok: false, reason: check.reason === 'expired' ? 'malformed' : check.reason };
  try {
    const st = await svc.engine.state(check.claims.urn);
    const snapshot = st.snapshot as PersistedPathway;
    const c = snapshot.context;
    const [lead, group, paid] = await Promise.all([
      hubLeadFor(svc.db, c.school?.hub ?? ''),
      c.groupId ? getGroup(svc.db, c.groupId) : Promise.resolve(null),
      c.programme ? payments(svc.db, { urn: st.urn, programmeId: c.programme.id }) : Promise.resolve([]),
    ]);
    const hub = c.school ? findHub(c.school.hub) : undefined;
    const { phase, status } = phaseAndStatus(snapshot.value);
    const meetings = upcomingMeetings(c, now);
    return {
      ok: true,
      view: {
        urn: st.urn,
        school: c.school?.name ?? `School ${st.urn}`,
        hub: hub ? hubLabel(hub) : (c.school?.hub ?? ''),
        headteacher: c.school?.headteacher.name ?? null,
        phase,
        status,
        // The catalogue's provenance note ("rules carried forward from ...") is for hub staff, not headteachers.
        programme: c.programme ? programmeReadName(c.programme.name) : null,
        academicYear: c.programme?.academicYear ?? null,
        meetings,
        sessionsSoFar: pastSessions(c, now, status),
        attendance: c.programme && c.sessions.length > 0 ? { held: sessionsHeld(c), required: requiredSessions(c) } : null,
        visitsAhead: meetings.some((m) => m.kind === 'visit'),
        sessionsName: countedSessionsName((c.programme?.sessions ?? []).map((r) => r.kind)),
        sessionName: countedSessionName((c.programme?.sessions ?? []).map((r) => r.kind)),
        asks: asksOfSchool(c, status, now, evaluationNotNow(snapshot, status, now) === null),
        grant: grantStatus(c, status, paid[0]?.paidAt ?? null),
        evaluation: evaluationOf(c, status, evaluationNotNow(snapshot, status, now)),
        contact: { name: lead.name, email: lead.email },
        group: group ? { name: group.name, lead: group.lead } : null,
        linkExpiresAt: check.claims.expiresAt,
      },
    };
  } catch (err) {
    if (err instanceof UnknownSchoolError) return { ok: false, reason: 'unknown' };
    throw err;
  }
}

/**
 * The hub lead of the school an expired link was made for, who can send a
 * new one (the hub's school page gives it): the seal still holds, so the
 * school is the one the service linked to. Nothing of the school itself.
 * Null when the school is no longer known. Not pure.
 */
async function newLinkContact(svc: Service, urn: string): Promise<NewLinkContact | null> {
  try {
    const hub = (await svc.engine.state(urn)).summary.hub;
    if (!hub) return null;
    const lead = await hubLeadFor(svc.db, hub);
    const h = findHub(hub);
    return { hub: h ? h.name : /maths hub$/i.test(hub) ? hub : `${hub} Maths Hub`, name: lead.name, email: lead.email };
  } catch (err) {
    if (err instanceof UnknownSchoolError) return null;
    throw err;
  }
}

/**
 * A new link to a school's headteacher page, for hub staff to send when a
 * headteacher asks for one (an old link expired): the full address, and when
 * it stops working: as an email's link would, SCHOOL_LINK_DAYS from now, or a
 * month after the evaluation is due while the school still owes it. Hub staff
 * of the school's hub and admins only (auditors never: the link can send the
 * evaluation). Not pure.
 */
export async function newHeadteacherLink(svc: Service, p: Principal, urn: string, base: string = publicUrl()): Promise<{ url: string; expiresAt: string }> {
  const st = await svc.engine.state(urn);
  assertWrite(p, hubIdOf(st.summary.hub), { school: urn });
  const c = (st.snapshot as PersistedPathway).context;
  const now = svc.now();
  const owed = c.programme?.evaluation.required && !c.evaluationSubmittedAt ? [academicYearEnd(c.programme.academicYear)] : [];
  const token = schoolLinkToken(await serviceKey(svc.db, 'school-links'), st.urn, now, owed);
  return { url: schoolLinkUrl(base, token), expiresAt: schoolLinkExpiry(now, owed) };
}

function byTime(a: SessionRecord, b: SessionRecord): number {
  return Date.parse(a.at) - Date.parse(b.at) || (a.id < b.id ? -1 : 1);
}

function endOf(c: PathwayContext, s: SessionRecord): string {
  const halfDays = c.programme?.sessions.find((r) => r.kind === s.kind)?.lengthHalfDays ?? 1;
  return new Date(Date.parse(s.at) + halfDays * HALF_DAY_MINUTES * 60_000).toISOString();
}

/** The sessions that are not cancelled, in time order: what "Workshop 2 of 6" counts among. */
function liveSessions(c: PathwayContext): SessionRecord[] {
  return c.sessions.filter((s) => s.status !== 'cancelled').sort(byTime);
}

/** "Workshop 2 of 6": `s` numbered among the live sessions of its kind. */
function sessionTitle(live: readonly SessionRecord[], s: SessionRecord): string {
  const same = live.filter((x) => x.kind === s.kind);
  return `${kindInWords(s.kind)} ${same.findIndex((x) => x.id === s.id) + 1} of ${same.length}`;
}

function headteacherFirst(c: PathwayContext): boolean {
  return (c.programme?.sessions ?? []).some((r) => r.headteacherAttendsFirst);
}

/** The school's sessions still to come, with who should attend. Pure. */
export function upcomingMeetings(c: PathwayContext, now: string): MeetingForSchool[] {
  const teachers = listInWords(c.teachers.map((t) => t.name));
  const first = firstSession(c);
  const live = liveSessions(c);
  return live
    .filter((s) => s.status === 'scheduled' && Date.parse(s.at) >= Date.parse(now))
    .map((s) => {
      const withHead = headteacherFirst(c) && first?.id === s.id && c.school;
      const who = teachers ? `${teachers} (lead teachers)` : 'Your lead teachers';
      return {
        id: s.id,
        kind: s.kind,
        title: sessionTitle(live, s),
        when: dateTimeSpan(s.at, endOf(c, s)),
        startsAt: s.at,
        endsAt: endOf(c, s),
        venue: placeInWords(s.place, 'schoolLink'),
        attend: withHead ? `${who}, and the headteacher, ${c.school!.headteacher.name}` : who,
      };
    });
}

/**
 * The school's sessions of this year that have started, oldest first, each
 * with what the hub recorded of the school there, so that a headteacher told
 * "we missed your school" can see the record. Cancelled sessions are left
 * out, as they are from the upcoming ones. Pure.
 */
export function pastSessions(c: PathwayContext, now: string, status = 'active'): SessionSoFar[] {
  // A school that has left the group is asked for nothing more: a session not recorded is no longer to put right.
  const left = LEFT_STATUSES.includes(status);
  const live = liveSessions(c);
  const first = firstSession(c);
  const headAsked = headteacherFirst(c);
  return live
    .filter((s) => Date.parse(s.at) < Date.parse(now))
    .map((s) => {
      const base = { id: s.id, kind: s.kind, title: sessionTitle(live, s), when: dateTimeSpan(s.at, endOf(c, s)) };
      switch (s.status) {
        case 'held': {
          const who = s.teachersPresent === 1 ? '1 teacher attended' : `${s.teachersPresent} teachers attended`;
          const headMissed = headAsked && first?.id === s.id && !s.headteacherPresent;
          return { ...base, recorded: `${who}${s.headteacherPresent ? ', with the headteacher' : headMissed ? '; the headteacher was not there' : ''}`, attention: headMissed };
        }
        case 'missed':
          return { ...base, recorded: 'No teacher from your school attended', attention: true };
        case 'beforeJoining':
          return { ...base, recorded: 'Before your school joined the work group: not for your school to attend', attention: false };
        default:
          return left ? { ...base, recorded: 'Not recorded', attention: false } : { ...base, recorded: 'Not recorded yet: the hub records who came after each session', attention: true };
      }
    });
}

/** What the school is asked to do now, from its status and the programme's rules; `canSend`: the page can take the evaluation now. Pure. */
export function asksOfSchool(c: PathwayContext, status: string, now: string, canSend = false): AskOfSchool[] {
  const p = c.programme;
  if (!p) return [];
  const asks: AskOfSchool[] = [];
  const teacherNames = listInWords(c.teachers.map((t) => t.name));
  const upcoming = c.sessions.filter((s) => s.status === 'scheduled' && Date.parse(s.at) >= Date.parse(now));
  const inPhase = status === 'selected' || status === 'active' || status === 'evaluating' || status === 'overdue';
  switch (status) {
    case 'applied':
      return [{ title: 'Nothing yet', text: 'The hub is looking at your application. We will tell you whether the school has a place.', urgent: false }];
    case 'eligible':
    case 'waitlisted':
      return [{ title: 'Nothing yet', text: 'Your school is eligible and waiting for a place. We will tell you as soon as one is offered.', urgent: false }];
    case 'completed':
      return [{ title: 'Nothing more this year', text: 'The school has done everything this phase asks. Thank you.', urgent: false }];
    case 'declined':
    case 'withdrawn':
    case 'deferred':
      return [{ title: 'Nothing at the moment', text: 'Your school is not taking part this year. Contact the hub if you want to talk about next year.', urgent: false }];
  }
  if (status === 'selected') {
    const missing = p.signatories.filter((s) => !c.signatories.includes(s));
    asks.push({ title: 'Sign the commitment', text: `The commitment confirms the school’s place. It needs to be signed by ${signatoriesInWords(missing.length ? missing : p.signatories)}.`, urgent: false, linkSuffix: '/commitment', linkText: 'Print the commitment form' });
  }
  if (inPhase && upcoming.some((s) => s.kind === 'meeting' || s.kind === 'workshop')) {
    const n = p.group.teachersPerSchool;
    asks.push({
      title: `Release the ${n === 2 ? 'two ' : ''}lead teachers`,
      text: `${teacherNames || 'Your lead teachers'} should be released to attend every ${countedSessionName(p.sessions.map((r) => r.kind))} (${upcoming.filter((s) => s.kind === 'meeting' || s.kind === 'workshop').length} still to come this year).`,
      urgent: false,
    });
  }
  const first = firstSession(c);
  if (inPhase && headteacherFirst(c) && first && first.status === 'scheduled' && c.school) {
    asks.push({ title: 'The headteacher at the first workshop', text: `The headteacher, ${c.school.headteacher.name}, must attend the first workshop on ${dateTime(first.at)}.`, urgent: false });
  }
  if (inPhase && p.sessions.some((r) => r.gapTasksBetween) && status !== 'evaluating' && status !== 'overdue') {
    asks.push({ title: 'Gap tasks', text: `Between ${countedSessionsName(p.sessions.map((r) => r.kind))} the lead teachers try out in class what they learned (gap tasks). ${c.gapTasks === 0 ? 'The hub has recorded none yet.' : c.gapTasks === 1 ? '1 gap task is recorded so far.' : `${c.gapTasks} gap tasks are recorded so far.`}`, urgent: false });
  }
  if (inPhase && p.evaluation.required && !c.evaluationSubmittedAt) {
    const due = longDate(academicYearEnd(p.academicYear));
    asks.push(
      status === 'overdue'
        ? { title: 'Send the evaluation now', text: `The end-of-year evaluation was due by ${due} and the hub has not received it.${canSend ? ' Send it on this page, under “The end-of-year evaluation”.' : ''}`, urgent: true }
        : { title: 'The end-of-year evaluation', text: `Send the evaluation by ${due}${status === 'evaluating' && canSend ? `. The ${countedSessionsName(p.sessions.map((r) => r.kind))} are done: send it now on this page, under “The end-of-year evaluation”` : ''}.`, urgent: false },
    );
  }
  return asks;
}

/** The evaluation the phase asks for; `notNow`: evaluationNotNow's answer. Pure. */
export function evaluationOf(c: PathwayContext, status: string, notNow: string | null = null): HeadteacherView['evaluation'] {
  const p = c.programme;
  const required = p?.evaluation.required ?? false;
  const open = required && !c.evaluationSubmittedAt;
  return {
    required,
    applies: ['selected', 'active', 'evaluating', 'overdue', 'completed'].includes(status),
    what: p?.evaluation.what ?? null,
    dueBy: p ? academicYearEnd(p.academicYear) : null,
    submittedAt: c.evaluationSubmittedAt,
    overdue: status === 'overdue',
    canSend: open && notNow === null,
    notNow: open ? notNow : null,
  };
}

/**
 * Why the school cannot send its evaluation at `now`, in words for a
 * headteacher, or null when its state takes it (the machine's own check:
 * the state, the rules and the date). Pure.
 */
export function evaluationNotNow(snapshot: PersistedPathway, status: string, now: string): string | null {
  const c = snapshot.context;
  const p = c.programme;
  if (!p || !p.evaluation.required) return 'This phase does not ask for an evaluation.';
  if (c.evaluationSubmittedAt) return `The hub already has your evaluation: it was received on ${longDate(c.evaluationSubmittedAt)}.`;
  if (whyRejected(snapshot, parseEvent({ type: 'EVALUATION_SUBMITTED', at: now, summary: '' })) === null) return null;
  const sessions = countedSessionsName(p.sessions.map((r) => r.kind));
  switch (status) {
    case 'selected':
    case 'active':
      return `The evaluation can be sent once the school’s teachers have been to all the ${sessions} this year. The hub will email you then, and this page will let you send it.`;
    case 'overdue':
      return `The hub has not yet recorded the school’s teachers at all the ${sessions} this year, so the evaluation cannot be recorded yet. If they have been to them all, tell the hub.`;
    case 'applied':
    case 'eligible':
    case 'waitlisted':
      return 'Your school does not have a place yet, so there is no evaluation to send.';
    default:
      return 'Your school is not taking part this year, so there is no evaluation to send.';
  }
}

/** The longest evaluation the page takes, in characters (the hub's form takes as much). */
export const EVALUATION_MAX_CHARS = 5000;

export type EvaluationSent =
  | { ok: true; receivedAt: string; already: boolean }
  /** The link itself does not open the page: openSchoolLink says why. */
  | { ok: false; reason: 'link' }
  | { ok: false; reason: 'invalid'; field: 'evaluation'; message: string }
  | { ok: false; reason: 'not-now'; message: string };

/**
 * The school sends its end-of-year evaluation from its headteacher page:
 * EVALUATION_SUBMITTED through the hub's own path (submitEvaluation, the
 * engine's checks), the text as its summary, recorded as done by the
 * school's link. Idempotent: once the hub has the evaluation, sending again
 * records nothing and answers as the first time did (`already`); two sends at
 * once record one (the second loses on the version, reads again and finds it
 * sent). Bad input and a state that does not take it store nothing. Not pure.
 */
export async function sendEvaluationByLink(svc: Service, token: string, input: { evaluation?: unknown }): Promise<EvaluationSent> {
  const check = verifySchoolLink(await serviceKey(svc.db, 'school-links'), token, svc.now());
  if (!check.ok) return { ok: false, reason: 'link' };
  const urn = check.claims.urn;
  for (let attempt = 0; ; attempt++) {
    let st;
    try {
      st = await svc.engine.state(urn);
    } catch (err) {
      if (err instanceof UnknownSchoolError) return { ok: false, reason: 'link' };
      throw err;
    }
    const snapshot = st.snapshot as PersistedPathway;
    const c = snapshot.context;
    const now = svc.now();
    if (c.programme?.evaluation.required && c.evaluationSubmittedAt) return { ok: true, receivedAt: c.evaluationSubmittedAt, already: true };
    const notNow = evaluationNotNow(snapshot, phaseAndStatus(snapshot.value).status, now);
    if (notNow) return { ok: false, reason: 'not-now', message: notNow };
    const text = typeof input.evaluation === 'string' ? input.evaluation.replace(/\r\n/g, '\n').trim() : '';
    if (text === '') return { ok: false, reason: 'invalid', field: 'evaluation', message: 'Enter your school’s evaluation' };
    if (text.length > EVALUATION_MAX_CHARS) return { ok: false, reason: 'invalid', field: 'evaluation', message: `Your school’s evaluation must be ${EVALUATION_MAX_CHARS.toLocaleString('en-GB')} characters or fewer (it has ${text.length.toLocaleString('en-GB')})` };
    // Whoever holds the sealed link may send this school's evaluation, and nothing else: the principal
    // is made here, for the link's school alone, and never leaves this function.
    const hubId = hubIdOf(st.summary.hub);
    const school: Principal = { id: `school-link:${urn}`, name: `${c.school?.name ?? `School ${urn}`} (the headteacher’s link)`, role: 'hub_staff', hubs: hubId ? [hubId] : [] };
    try {
      await submitEvaluation(svc, school, urn, { summary: text, at: now }, { expectedVersion: st.version });
      return { ok: true, receivedAt: now, already: false };
    } catch (err) {
      // Someone else wrote first (most likely the same form sent twice): read again; the evaluation may be in.
      if (err instanceof VersionConflictError && attempt < 3) continue;
      if (err instanceof EventRejectedError) return { ok: false, reason: 'not-now', message: 'The hub cannot record the evaluation at the moment. Nothing was sent. Please try again later, or email it to the hub.' };
      throw err;
    }
  }
}
