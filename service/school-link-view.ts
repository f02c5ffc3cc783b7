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
import { pounds } from '../domain/catalogue/describe.js';
import { findHub } from '../domain/catalogue/hubs.js';
import { SCHOOL_LINK_PATH, schoolLinkExpiry, schoolLinkToken, schoolLinkUrl, verifySchoolLink } from '../domain/school-link.js';
import type { PersistedPathway } from '../machines/decide.js';
import type { PathwayContext, SessionRecord } from '../machines/context.js';
import { firstSession } from '../machines/rules.js';
import { HALF_DAY_MINUTES } from '../machines/steps.js';
import { academicYearEnd } from '../machines/time.js';
import { phaseAndStatus } from '../machines/summary.js';
import { UnknownSchoolError } from '../domain/errors.js';
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

/**
 * The path of a school's headteacher link, `/for-schools/<token>`, valid for
 * SCHOOL_LINK_DAYS from `now` (ISO; default the service clock). Not pure
 * (reads or makes the key).
 */
export async function schoolLinkFor(svc: Service, urn: string, now: string = svc.now()): Promise<string> {
  return `${SCHOOL_LINK_PATH}/${schoolLinkToken(await serviceKey(svc.db, 'school-links'), urn, now)}`;
}

export interface MeetingForSchool {
  kind: SessionRecord['kind'];
  title: string;
  /** "Tuesday 4 November 2025, 1.30pm to 4pm". */
  when: string;
  startsAt: string;
  venue: string;
  /** Who from the school should be there, in words. */
  attend: string;
}

export interface AskOfSchool {
  /** Short heading: "Sign the commitment". */
  title: string;
  text: string;
  /** Past its date or escalated. */
  urgent: boolean;
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
  /** Whether school visits are among the meetings to come (the page then says "meetings and visits"). */
  visitsAhead: boolean;
  /** What the programme's counted sessions are called: "meetings", "workshops"; one of them: "meeting", "workshop". */
  sessionsName: string;
  sessionName: string;
  asks: AskOfSchool[];
  grant: GrantStatus;
  /** `applies`: the school has a place this year, so the evaluation is asked of it. */
  evaluation: { required: boolean; applies: boolean; what: string | null; dueBy: string | null; submittedAt: string | null; overdue: boolean };
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
        programme: c.programme?.name.replace(/\s*\(rules carried forward[^)]*\)/, '') ?? null,
        academicYear: c.programme?.academicYear ?? null,
        meetings,
        visitsAhead: meetings.some((m) => m.kind === 'visit'),
        sessionsName: countedSessionsName((c.programme?.sessions ?? []).map((r) => r.kind)),
        sessionName: countedSessionName((c.programme?.sessions ?? []).map((r) => r.kind)),
        asks: asksOfSchool(c, status, now),
        grant: grantStatus(c, status, paid[0]?.paidAt ?? null),
        evaluation: evaluationOf(c, status),
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

function headteacherFirst(c: PathwayContext): boolean {
  return (c.programme?.sessions ?? []).some((r) => r.headteacherAttendsFirst);
}

/** The school's sessions still to come, with who should attend. Pure. */
export function upcomingMeetings(c: PathwayContext, now: string): MeetingForSchool[] {
  const teachers = listInWords(c.teachers.map((t) => t.name));
  const first = firstSession(c);
  const live = c.sessions.filter((s) => s.status !== 'cancelled').sort(byTime);
  return live
    .filter((s) => s.status === 'scheduled' && Date.parse(s.at) >= Date.parse(now))
    .map((s) => {
      const same = live.filter((x) => x.kind === s.kind);
      const n = same.findIndex((x) => x.id === s.id) + 1;
      const withHead = headteacherFirst(c) && first?.id === s.id && c.school;
      const who = teachers ? `${teachers} (lead teachers)` : 'Your lead teachers';
      return {
        kind: s.kind,
        title: `${kindInWords(s.kind)} ${n} of ${same.length}`,
        when: dateTimeSpan(s.at, endOf(c, s)),
        startsAt: s.at,
        venue: placeInWords(s.place, 'schoolLink'),
        attend: withHead ? `${who}, and the headteacher, ${c.school!.headteacher.name}` : who,
      };
    });
}

/** What the school is asked to do now, from its status and the programme's rules. Pure. */
export function asksOfSchool(c: PathwayContext, status: string, now: string): AskOfSchool[] {
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
    asks.push({ title: 'Sign the commitment', text: `The commitment confirms the school’s place. It needs to be signed by ${signatoriesInWords(missing.length ? missing : p.signatories)}.`, urgent: false });
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
    asks.push({ title: 'Gap tasks', text: `Between ${countedSessionsName(p.sessions.map((r) => r.kind))} the lead teachers try out in class what they learned (gap tasks). ${c.gapTasks === 0 ? 'None is recorded yet.' : c.gapTasks === 1 ? '1 gap task is recorded so far.' : `${c.gapTasks} gap tasks are recorded so far.`}`, urgent: false });
  }
  if (inPhase && p.evaluation.required && !c.evaluationSubmittedAt) {
    const due = longDate(academicYearEnd(p.academicYear));
    asks.push(
      status === 'overdue'
        ? { title: 'Send the evaluation now', text: `The end-of-year evaluation was due by ${due} and the hub has not received it.`, urgent: true }
        : { title: 'The end-of-year evaluation', text: `Send the evaluation by ${due}${status === 'evaluating' ? `. The ${countedSessionsName(p.sessions.map((r) => r.kind))} are done: it can be sent now` : ''}.`, urgent: false },
    );
  }
  return asks;
}

/** The evaluation the phase asks for. Pure. */
export function evaluationOf(c: PathwayContext, status: string): HeadteacherView['evaluation'] {
  const p = c.programme;
  return {
    required: p?.evaluation.required ?? false,
    applies: ['selected', 'active', 'evaluating', 'overdue', 'completed'].includes(status),
    what: p?.evaluation.what ?? null,
    dueBy: p ? academicYearEnd(p.academicYear) : null,
    submittedAt: c.evaluationSubmittedAt,
    overdue: status === 'overdue',
  };
}
