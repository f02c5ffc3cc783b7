/**
 * Everything the school page shows, read once: who and where, the phase and
 * status, the timeline of every recorded event in words with the grant
 * payments on it, what is coming up (sessions, deadlines and the reminders
 * the school will be sent), the pathway chart with where the school is and
 * the path it walked, and the actions its current state accepts (none for an
 * auditor). Not pure (engine and database reads).
 */
import { academicYearOf, shiftAcademicYear, startYearOf } from '../domain/calendar/academic-year.js';
import { programmeFor } from '../domain/catalogue/programmes.js';
import { placeInWords } from '../domain/words/place.js';
import { relativeDays } from '../domain/words/dates.js';
import { countedSessionName, countedSessionsName } from '../domain/words/kinds.js';
import { acceptedEventTypes, type PersistedPathway } from '../machines/decide.js';
import { schoolPathwayChart } from '../machines/school-chart.js';
import { attendanceToChase, headteacherMissedFirst, LEFT_STATUSES, phaseAndStatus, type SchoolSummary } from '../machines/summary.js';
import { phaseName } from '../domain/words/school-state.js';
import { timelineYears, type TimelineYear } from './timeline-years.js';
import { groupNames, personNames, schoolEvents, type GroupName } from '../store/board.js';
import { payments, type Payment } from '../store/ledger.js';
import { schoolMail } from '../store/school-mail.js';
import { contactChanges } from '../store/messages.js';
import { programmeReadName } from '../domain/words/group-name.js';
import { contactChangeWords } from './school-words.js';
import { describeEvent } from './event-words.js';
import { templateWords } from './board.js';
import { grantStatus, type GrantStatus } from './grant-status.js';
import { mailProblemWords, reminderOutcomeReader } from './reminder-outcomes.js';
import type { Principal, Service } from './context.js';
import { schoolState } from './schools.js';
import { attendanceOverdueWords, evaluationOverdueWords, eventWords, headteacherMissedWords, sessionName, shortGroupName, shortProgrammeName, signatoryWords, whenWords } from './school-words.js';
import { BIG_IDEAS, BIG_IDEA_LABELS, IDEA_PROGRESS_LABELS, IdeaProgress, leaderRoleFor, roleTitle, type BigIdea } from '../domain/people.js';
import { listPeople } from '../store/ops/people.js';
import { hubIdOf } from './access.js';
import { newHeadteacherLink } from './school-link-view.js';
import { planOffers, type Offer } from './plan-offers.js';

/** The single-school actions the page offers, by the event each records. */
export const PAGE_ACTIONS = ['COMMITMENT_SIGNED', 'GAP_TASK_COMPLETED', 'RELEASE_DAYS_RECORDED', 'EVALUATION_SUBMITTED', 'TEACHER_REPLACED', 'DEFERRED', 'RESUMED', 'WITHDRAWN'] as const;
export type PageAction = (typeof PAGE_ACTIONS)[number];

export interface TimelineEntry {
  /** 'contact': a change of the headteacher's contact, kept beside the school, not in its event log. */
  kind: 'event' | 'payment' | 'contact';
  title: string;
  detail?: string;
  /** When it happened. */
  at: string;
  /** When it was recorded. */
  recordedAt: string;
  who: string;
  /** The version of the programme rules that decided it (events only). */
  rules?: string;
  /** The phase and status after it (events only). */
  phase?: string;
  status?: string;
  amountPence?: number;
}

export interface SchoolPage {
  urn: string;
  version: number;
  summary: SchoolSummary;
  school: {
    name: string;
    route: string | null;
    hub: string | null;
    localAuthority: string | null;
    headteacher: { name: string; email: string } | null;
    headOfDepartment: { name: string; email: string } | null;
    teachers: { slot: number; name: string; email: string; role: string }[];
    /** `since`: the phase and year the group began in, when the school is now in a later one (a group moved on whole keeps its first name). */
    group: { id: string; name: string; since: string | null } | null;
  };
  /** `attended`: what the counted sessions are called, e.g. "Workshops" for a Readiness school; `one`: one of them, "workshop". */
  progress: { attended: string; one: string; sessionsHeld: number; sessionsRequired: number; gapTasks: number; releaseDays: number; fundingPaidPence: number; evaluationSubmitted: boolean };
  /** This phase's grant in words, as the headteacher's page gives it: paid and when, what it waits for, or that the phase has none. */
  grant: GrantStatus;
  /** The timeline by academic year, newest first (service/timeline-years.ts). */
  timelineYears: TimelineYear<TimelineEntry>[];
  /** The programme's name as people read it: without the catalogue's "(rules carried forward from …)" note. */
  programmeName: string | null;
  upcoming: { title: string; at: string; kind: 'session' | 'deadline' | 'reminder' }[];
  /** Why nothing is coming up, when the school withdrew or deferred ("The school has withdrawn: it has no workshops to attend."); else null. */
  nothingAhead: string | null;
  /** What is overdue, in the board's words, each with the page where it is put right (null: nothing on a page can). */
  overdue: { text: string; action: { href: string; text: string } | null }[];
  /** Escalations that are not overdue but ask the hub to follow up (the headteacher missed the first workshop), with where to see it. */
  followUp: { text: string; action: { href: string; text: string } | null }[];
  chart: string | null;
  /** Emails held for want of a good headteacher address (open ones), in words, oldest first. */
  mailProblems: { what: string; problem: string; recordedAt: string }[];
  /** Whether the headteacher address shown is the hub's correction rather than the application's. */
  headteacherCorrected: boolean;
  /** Actions the state accepts and the person may take; empty for an auditor. */
  actions: PageAction[];
  /** For the forms. */
  choices: { signatories: { value: string; text: string }[]; deferYears: { value: string; text: string }[]; resumeYear: string | null; resumeBlocked: string | null };
  /** The school's leader, action plan on the 5 Big Ideas and Mastery Ready judgement, and the forms for them. */
  plan: PlanSection;
  /** A new link to the headteacher's page, to send when theirs expired (null for an auditor: the link can send the evaluation). */
  headteacherLink: { url: string; expiresAt: string } | null;
}

export interface PlanSection {
  /** "Mastery Readiness Lead" or "(Secondary) Mastery Specialist": who leads the school this phase. */
  leaderTitle: string;
  ideas: { key: BigIdea; label: string; aim: string | null; progress: string | null }[];
  /** The forms offered now (none for an auditor): each one's event is asked of the rules first (plan-offers.ts). */
  can: { allocate: boolean; create: boolean; review: boolean; judge: boolean };
  /** For each form the rules refuse now (by its page address), what has to happen first, in the rules' words ("… allocate one first."). */
  notYet: { form: 'leader' | 'action-plan' | 'plan-review' | 'mastery-ready'; text: string }[];
  /** Why "Yes, Mastery Ready" would be refused now (no action plan), for the judgement form; else null. */
  readyNeeds: string | null;
  /** The hub's people of the right role, for the allocation form. */
  people: { value: string; text: string }[];
  /** The visits the plan may be reviewed at now (the rules asked of each session), for the review form. */
  visits: { value: string; text: string }[];
  progressChoices: { value: string; text: string }[];
}

const ROLE_WORDS: Record<string, string> = {
  mathsLead: 'maths lead',
  teacher: 'teacher',
  ks3Lead: 'Key Stage 3 lead',
  nonSpecialist: 'non-specialist teacher',
  experienced: 'experienced teacher',
  aspiring: 'aspiring teacher',
};

/** A teacher's role in words. Pure. */
export function roleWords(role: string): string {
  return ROLE_WORDS[role] ?? role.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

function whoWords(actor: string, names: Map<string, string>): string {
  if (actor === 'timer') return 'The service, on schedule';
  if (actor === 'demo-seed') return 'Demo set-up';
  if (actor.startsWith('cli:')) return `${actor.slice(4)}, at the command line`;
  if (actor.startsWith('cohort')) return 'Cohort transition';
  if (actor.startsWith('school-link:')) return 'The school, from its headteacher’s page';
  return names.get(actor) ?? actor;
}

/** The (phase, status) points the school went through, in order, without repeats in a row. Pure. */
export function visitedPath(entries: readonly { phase: string; status: string }[]): { phase: string; status: string }[] {
  const out: { phase: string; status: string }[] = [];
  for (const e of entries) {
    const last = out.at(-1);
    if (!last || last.phase !== e.phase || last.status !== e.status) out.push({ phase: e.phase, status: e.status });
  }
  return out;
}

/** The school page's data, if `p` may see the school. Throws UnknownSchoolError or ForbiddenError. Not pure. */
export async function schoolPage(svc: Service, p: Principal, urn: string): Promise<SchoolPage> {
  const st = await schoolState(svc, p, urn);
  const snapshot = st.snapshot as PersistedPathway;
  const c = snapshot.context;
  // The log read directly (both hosts write it); the audit pages are where the hash chain is checked.
  // One read of the school's mail: what became of each reminder, the held emails, a corrected address.
  const [events, paid, mail, contacts] = await Promise.all([schoolEvents(svc.db, urn), payments(svc.db, { urn }), schoolMail(svc.db, urn), contactChanges(svc.db, urn)]);
  const reminderOutcome = reminderOutcomeReader(urn, mail);
  const history = { entries: events.map((e) => ({ ...e, ...phaseAndStatus(e.value) })) };
  const groupIds = new Set<string>();
  if (c.groupId) groupIds.add(c.groupId);
  for (const e of history.entries) if (e.type === 'SELECTED') groupIds.add(String((e.payload as { groupId?: string }).groupId ?? ''));
  const [people, groups] = await Promise.all([personNames(svc.db, [...new Set([...history.entries.map((e) => e.actor), ...contacts.map((x) => x.by)])]), groupNames(svc.db, [...groupIds].filter(Boolean))]);

  const ofKind = (kind: string) => c.sessions.filter((s) => s.kind === kind && s.status !== 'cancelled').length;
  // Who holds each lead teacher's place as the history goes: a replacement says who left, as the audit does.
  const teachers: string[] = [];
  const timeline: TimelineEntry[] = history.entries.map((e) => {
    let w = eventWords(e, { groupName: (id) => shortGroupName(groups.get(id)?.name ?? null, id) ?? undefined, sessionOfKind: ofKind, route: c.school?.route ?? c.programme?.route ?? null });
    if (e.type === 'APPLY' || e.type === 'TEACHER_REPLACED') {
      const said = describeEvent(e.type, (e.payload ?? {}) as Record<string, unknown>, [], teachers);
      if (e.type === 'TEACHER_REPLACED') w = { title: said };
    }
    // A timer firing is not an email sent: say what became of the reminder.
    w = reminderOutcome(e, w.title.replace(/^Reminder sent: /, '')) ?? w;
    return { kind: 'event', ...w, at: e.occurredAt, recordedAt: e.recordedAt, who: whoWords(e.actor, people), rules: e.machineVersion.replace(/^pathway@/, ''), phase: e.phase, status: e.status };
  });
  for (const pay of paid) timeline.push(paymentEntry(pay));
  for (const change of contacts) timeline.push({ kind: 'contact', ...contactChangeWords(change), at: change.at, recordedAt: change.recordedAt, who: whoWords(change.by, people) });
  // Newest first; a payment after the event that released it.
  timeline.sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || (a.kind === b.kind ? Date.parse(b.recordedAt) - Date.parse(a.recordedAt) : a.kind === 'payment' ? -1 : b.kind === 'payment' ? 1 : a.kind === 'contact' ? -1 : 1));

  const now = Date.parse(svc.now());
  const upcoming: SchoolPage['upcoming'] = [];
  // A school that withdrew or deferred keeps its sessions as they were scheduled, but has none to attend.
  const left = LEFT_STATUSES.includes(st.summary.status);
  for (const s of left ? [] : c.sessions) {
    if (s.status === 'scheduled' && Date.parse(s.at) >= now) upcoming.push({ kind: 'session', at: s.at, title: `${sessionName(s.id, ofKind(s.kind), s.kind)}${placeInWords(s.place, 'schoolPage', c.school?.name)}` });
  }
  for (const [key, t] of Object.entries(left ? {} : c.timers)) {
    if (Date.parse(t.at) < now) continue;
    const r = /^reminder:(.+):(\d+)$/.exec(key);
    if (r) {
      const s = c.sessions.find((x) => x.id === r[1]);
      // Counted from the day it goes out, which may have moved off a closed day: not the policy's 14 in the timer's key.
      const when = s ? relativeDays(s.at, t.at) : `in ${r[2]} days`;
      upcoming.push({ kind: 'reminder', at: t.at, title: `Reminder email to the school: ${s ? sessionName(s.id, ofKind(s.kind), s.kind) : 'a session'} ${when}` });
    } else if (key.startsWith('evaluation-reminder:')) upcoming.push({ kind: 'reminder', at: t.at, title: 'Reminder email to the school: the end-of-year evaluation' });
    else if (key.startsWith('year-end:') && !c.evaluationSubmittedAt && c.programme?.evaluation.required) upcoming.push({ kind: 'deadline', at: t.at, title: 'End-of-year evaluation due' });
    else if (key.startsWith('year-end:')) upcoming.push({ kind: 'deadline', at: t.at, title: 'End of the academic year' });
  }
  upcoming.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));

  let chart: string | null = null;
  const route = c.school?.route;
  if (route) {
    try {
      chart = await schoolPathwayChart({ route, current: { phase: st.summary.phase, status: st.summary.status }, visited: visitedPath(history.entries) });
    } catch {
      // A state the chart does not draw: the page still shows everything else.
      chart = null;
    }
  }

  const accepted = new Set(acceptedEventTypes(snapshot));
  const actions = p.role === 'auditor' ? [] : PAGE_ACTIONS.filter((a) => accepted.has(a));
  const overdue: SchoolPage['overdue'] = attendanceToChase(c, st.summary.status).map((s) => {
    const name = sessionName(s.id, ofKind(s.kind), s.kind);
    return { text: attendanceOverdueWords(name, s.at), action: c.groupId && p.role !== 'auditor' ? { href: `/hub/groups/${encodeURIComponent(c.groupId)}/sessions/${encodeURIComponent(s.id)}#attendance`, text: `Record attendance at ${name}` } : null };
  });
  if (st.summary.status === 'overdue') {
    const record = actions.includes('EVALUATION_SUBMITTED') ? { href: `/hub/schools/${encodeURIComponent(urn)}?open=evaluation#action-evaluation`, text: 'Record the end-of-year evaluation' } : null;
    overdue.push({ text: evaluationOverdueWords(shortProgrammeName(c.programme?.name ?? null)), action: record });
  }

  const followUp: SchoolPage['followUp'] = [];
  const missed = headteacherMissedFirst(c, st.summary.status);
  if (missed) {
    const name = sessionName(missed.id, ofKind(missed.kind), missed.kind);
    const head = mail.contact?.name ?? c.school?.headteacher?.name ?? null;
    followUp.push({ text: headteacherMissedWords(name, missed.at, head), action: c.groupId ? { href: `/hub/groups/${encodeURIComponent(c.groupId)}/sessions/${encodeURIComponent(missed.id)}#attendance`, text: `See the attendance at ${name}` } : null });
  }

  const year = c.programme?.academicYear ?? academicYearOf(svc.now());
  // A year the catalogue has no programme of this phase for is offered, marked: the school can start again once its rules are added.
  const deferRoute = c.school?.route ?? c.programme?.route;
  const inCatalogue = (y: string) => !deferRoute || !c.programme || programmeFor(deferRoute, c.programme.phase, y) !== null;
  const deferYears = [1, 2, 3].map((n) => shiftAcademicYear(year, n)).map((y) => ({ value: y, text: inCatalogue(y) ? y : `${y} (its rules are not in the catalogue yet)` }));
  const current = academicYearOf(svc.now());
  const resumeYear = c.deferredUntil ? (startYearOf(c.deferredUntil) > startYearOf(current) ? c.deferredUntil : current) : null;
  const resumeBlocked = resumeYear && !inCatalogue(resumeYear) ? `The catalogue has no ${phaseName(c.programme?.phase ?? '')} programme for ${resumeYear} yet, so the school cannot start again until that year’s rules are added.` : null;

  // The leader and action plan section: the hub's people of the role this phase needs, and what the rules let the forms record now.
  const role = c.programme ? leaderRoleFor(c.programme.phase) : 'specialist';
  const hubId = hubIdOf(c.school?.hub);
  const hubPeople = hubId && p.role !== 'auditor' ? await listPeople(svc.db, { hubs: [hubId], role }) : [];
  const mayWrite = p.role !== 'auditor';
  const offers = mayWrite ? planOffers(snapshot, svc.now()) : null;
  const visits = (offers?.reviewSessions ?? []).map((id) => c.sessions.find((v) => v.id === id)!).map((v) => ({ value: v.id, text: `${sessionName(v.id, ofKind(v.kind), v.kind)}, ${whenWords(v.at)}` }));
  const offered = (o: Offer | undefined) => o?.offered === true;
  const plan: PlanSection = {
    leaderTitle: roleTitle(role, c.school?.route ?? null),
    ideas: BIG_IDEAS.map((k) => ({ key: k, label: BIG_IDEA_LABELS[k], aim: c.actionPlan?.aims[k] ?? null, progress: c.actionPlan?.progress[k] ? IDEA_PROGRESS_LABELS[c.actionPlan.progress[k]!] : null })),
    can: { allocate: offered(offers?.allocate), create: offered(offers?.create), review: offered(offers?.review), judge: offered(offers?.judge) },
    notYet: offers
      ? ([['leader', offers.allocate], ['action-plan', offers.create], ['plan-review', offers.review], ['mastery-ready', offers.judge]] as const).flatMap(([form, o]) => (!o.offered && o.why ? [{ form, text: o.why }] : []))
      : [],
    readyNeeds: offers?.readyNeeds ?? null,
    people: hubPeople.map((x) => ({ value: x.id, text: `${x.name} (${x.email})` })),
    visits,
    progressChoices: IdeaProgress.options.map((v) => ({ value: v, text: IDEA_PROGRESS_LABELS[v] })),
  };

  return {
    plan,
    headteacherLink: mayWrite && c.school ? await newHeadteacherLink(svc, p, urn) : null,
    urn: st.urn,
    version: st.version,
    summary: st.summary,
    school: {
      name: c.school?.name ?? `School ${urn}`,
      route: c.school?.route ?? null,
      hub: c.school?.hub ?? null,
      localAuthority: c.school?.localAuthority ?? null,
      headteacher: mail.contact ?? c.school?.headteacher ?? null,
      headOfDepartment: c.school?.headOfDepartment ?? null,
      teachers: c.teachers.map((t, i) => ({ slot: i + 1, name: t.name, email: t.email, role: roleWords(t.role) })),
      group: c.groupId ? groupRow(c.groupId, groups.get(c.groupId) ?? null, st.summary) : null,
    },
    progress: { attended: countedSessionsName((c.programme?.sessions ?? []).map((r) => r.kind), true), one: countedSessionName((c.programme?.sessions ?? []).map((r) => r.kind)), sessionsHeld: st.summary.sessionsHeld, sessionsRequired: st.summary.sessionsRequired, gapTasks: c.gapTasks, releaseDays: c.releaseDays, fundingPaidPence: c.fundingPaidPence, evaluationSubmitted: c.evaluationSubmittedAt !== null },
    grant: grantStatus(c, st.summary.status, paid.find((x) => x.programmeId === c.programme?.id)?.paidAt ?? null),
    timelineYears: timelineYears(timeline),
    programmeName: c.programme ? programmeReadName(c.programme.name) : null,
    upcoming,
    nothingAhead: left ? nothingAheadWords(st.summary.status, countedSessionsName((c.programme?.sessions ?? []).map((r) => r.kind), false), c.deferredUntil) : null,
    overdue,
    followUp,
    chart,
    mailProblems: mail.problems.filter((m) => !m.resolvedAt).map((m) => ({ what: templateWords(m.template), problem: mailProblemWords(m.problem), recordedAt: m.recordedAt })),
    headteacherCorrected: mail.contact !== null,
    actions,
    choices: {
      signatories: (c.programme?.signatories ?? []).map((s) => ({ value: s, text: signatoryWords(s).replace(/^the /, '').replace(/^./, (x) => x.toUpperCase()) })),
      deferYears,
      resumeBlocked,
      resumeYear,
    },
  };
}

/** Why a school that left has nothing coming up, in words. Pure. */
export function nothingAheadWords(status: string, sessions: string, deferredUntil: string | null): string {
  return status === 'deferred'
    ? `The school has deferred${deferredUntil ? ` until ${deferredUntil}` : ''}: it has no ${sessions} to attend until it starts again.`
    : `The school has withdrawn: it has no ${sessions} to attend.`;
}

/** The school's work group as its page names it, saying where a group that moved on with the school began ("Development 2024/25"). Pure. */
export function groupRow(id: string, g: GroupName | null, now: Pick<SchoolSummary, 'phase' | 'academicYear'>): { id: string; name: string; since: string | null } {
  const moved = g !== null && (g.phase !== now.phase || g.academicYear !== now.academicYear);
  return { id, name: shortGroupName(g?.name ?? null, id) ?? id, since: moved ? `${phaseName(g.phase)} ${g.academicYear}` : null };
}

function paymentEntry(pay: Payment): TimelineEntry {
  return {
    kind: 'payment',
    title: `Grant paid: £${(pay.amountPence / 100).toLocaleString('en-GB')}`,
    detail: `For ${pay.academicYear}: ${pay.reason.replace(/\(commitment signed, first meeting held (\d{4}-\d{2}-\d{2})\)/, (_m, d: string) => `(released once the commitment was signed and the first meeting held, on ${whenWords(`${d}T12:00:00Z`).split(',')[0]})`)}`,
    at: pay.paidAt,
    recordedAt: pay.paidAt,
    who: 'Funding ledger',
    amountPence: pay.amountPence,
  };
}
