/**
 * Renders a message: one Nunjucks template per kind (activities/mail/templates/
 * <kind>.njk, with the macros `subject`, `text` and `html`) gives the subject,
 * a plain-text part and an HTML part from the same data; session messages add
 * a calendar invite. The HTML is simple and accessible: a lang, a title, real
 * headings, link text that says where it goes, inline styles, no images.
 * Pure: data in, message out (the templates are read from disk once).
 */
import { settings, type Environment } from '../../config/load.js';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type nunjucks from 'nunjucks';
import { findHub } from '../../domain/catalogue/hubs.js';
import { masteryReadyNeededFor, programmeById } from '../../domain/catalogue/programmes.js';
import { phaseName } from '../../domain/words/school-state.js';
import { countedSessionName, countedSessionsName, sessionKindsOf } from '../../domain/words/kinds.js';
import type { MessageData, MessageValue } from '../../machines/effects.js';
import { UnknownTemplateError } from './template-errors.js';
import { makeInvite, type Invite, type InviteSession } from './calendar.js';
import { atVenue, countdown, kindName, longDate, longWhen, pounds, sessionTitle, shortWhen, venue } from './format.js';
import { placeInWords } from '../../domain/words/place.js';

export interface RenderedMessage {
  subject: string;
  html: string;
  text: string;
  /** The calendar invite of a session message or a schedule announcement. */
  ics?: Invite;
}

/** Who reads a message: the school (headteacher, teachers) or the hub lead. */
export type Audience = 'school' | 'hub';

export interface RenderContext {
  /** When the message is sent. "In 14 days" counts from the data's decidedAt, or from this when it is a day or more later. */
  now?: string;
  /** The service's public base URL (PUBLIC_URL); default http://localhost:3000. */
  publicUrl?: string;
  /** The headteacher's signed read-only link to the school's page, if one was made. */
  schoolLink?: string | null;
  /** The hub's contact: Reply-To, the organiser of invites, whom to ask. */
  hubLead?: { name: string; email: string } | null;
  /** The work group, looked up by the activity from its id. */
  group?: { name: string; lead: { name: string; email: string }; datesSet?: boolean } | null;
}

export interface MessageToRender {
  /** The template: a notify effect's template, or its hub/school variant. */
  template: string;
  urn: string;
  data: MessageData;
}

/** The message kinds with a template, and who reads each. */
export const MESSAGE_KINDS: Readonly<Record<string, Audience>> = Object.freeze({
  'application-received': 'school',
  waitlisted: 'school',
  selected: 'school',
  declined: 'school',
  'commitment-confirmed': 'school',
  'schedule-announced': 'school',
  'session-reminder': 'school',
  'first-workshop-reminder': 'school',
  'session-moved': 'school',
  'session-cancelled': 'school',
  'funding-released': 'school',
  'evaluation-request': 'school',
  'evaluation-reminder': 'school',
  withdrawn: 'school',
  'session-missed-school': 'school',
  'headteacher-absent-first-workshop-school': 'school',
  'evaluation-overdue-school': 'school',
  'session-missed': 'hub',
  'attendance-missing': 'hub',
  'headteacher-absent-first-workshop': 'hub',
  'evaluation-overdue': 'hub',
  'withdrawn-hub': 'hub',
});

/**
 * The template a notify effect's template becomes for each audience: an
 * escalation is two messages, one asking the school, one telling the hub lead.
 * Pure.
 */
export function templateFor(template: string, audience: Audience): string {
  if (audience === 'hub') return template === 'withdrawn' ? 'withdrawn-hub' : template;
  if (MESSAGE_KINDS[template] === 'hub' && MESSAGE_KINDS[`${template}-school`]) return `${template}-school`;
  return template;
}

const TEMPLATES = fileURLToPath(new URL('./templates/', import.meta.url));
const options = { trimBlocks: true, lstripBlocks: true, throwOnUndefined: false };
// nunjucks (a CommonJS package) and its environments are made when the first message is rendered: most commands render none.
const require = createRequire(import.meta.url);
let envs: { html: nunjucks.Environment; text: nunjucks.Environment; Template: typeof nunjucks.Template } | null = null;
function templates(): NonNullable<typeof envs> {
  if (envs) return envs;
  const n = require('nunjucks') as typeof nunjucks;
  envs = {
    html: new n.Environment(new n.FileSystemLoader(TEMPLATES, { noCache: false }), { ...options, autoescape: true }),
    text: new n.Environment(new n.FileSystemLoader(TEMPLATES, { noCache: false }), { ...options, autoescape: false }),
    Template: n.Template,
  };
  return envs;
}

// A subject line is its template's `subject` macro alone. Compiled once per template file:
// renderString compiles its source on every call, which cost more than the rest of a message.
const subjectTemplates = new Map<string, nunjucks.Template>();

/** The subject line of template `file` for view `m`, on one line. Pure (apart from reading the template). */
function subjectLine(file: string, m: unknown): string {
  let t = subjectTemplates.get(file);
  if (!t) {
    const { Template, text } = templates();
    t = new Template(`{% import "${file}" as k %}{{ k.subject(m) }}`, text);
    subjectTemplates.set(file, t);
  }
  return t.render({ m }).replace(/\s+/g, ' ').trim();
}

export const DEFAULT_PUBLIC_URL = 'http://localhost:3000';

/** The service's public base URL: PUBLIC_URL, else http://localhost:3000. Reads the environment. */
export function publicUrl(env?: Environment): string {
  return ((env ? env.PUBLIC_URL?.trim() : settings().publicUrl) || DEFAULT_PUBLIC_URL).replace(/\/+$/, '');
}

const str = (v: MessageValue | undefined): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const instant = (v: MessageValue | undefined): string | null => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? v : null);

/**
 * The programme's name as a school knows it: without the catalogue's note on
 * where its rules came from ("(rules carried back from 2020/21)") and without
 * the year, which the messages say separately. Pure.
 */
export function programmeTitle(name: string): string {
  return name.replace(/\s*\((rules|amount)[^)]*\)\s*$/i, '').replace(/\s+\d{4}\/\d{2}$/, '').trim();
}

/** A hub as the emails name it: its catalogue name ("East Midlands East Maths Hub"), else the given one with "Maths Hub". Pure. */
export function hubName(hub: string): string {
  const h = hub ? findHub(hub) : undefined;
  if (h) return h.name;
  return hub ? (/maths hub$/i.test(hub) ? hub : `${hub} Maths Hub`) : 'your Maths Hub';
}

interface SessionView {
  title: string;
  kindName: string;
  when: string;
  short: string;
  place: string;
  /** The calendar entry's location: a visit at the school names it, not "your school". */
  location: string;
  countdown: string;
  startsAt: string;
  endsAt: string;
  id: string;
}

function sessionView(d: Record<string, MessageValue>, now: string, school = ''): SessionView | null {
  const startsAt = instant(d.startsAt);
  if (!startsAt) return null;
  const endsAt = instant(d.endsAt) ?? startsAt;
  return {
    title: sessionTitle(d.kind, d.n, d.of),
    kindName: kindName(d.kind),
    when: longWhen(startsAt, endsAt),
    short: shortWhen(startsAt, endsAt),
    place: venue(d.place),
    location: placeInWords(d.place, 'calendar', school || undefined),
    countdown: countdown(now, startsAt),
    startsAt,
    endsAt,
    id: str(d.session),
  };
}

/**
 * What the school's programme calls the sessions it must attend ("meetings",
 * "workshops"), from the catalogue by the message's programme id; "meetings"
 * when the programme is not known (a message from before the id was sent). Pure.
 */
function countedKinds(programmeId: string): { sessionName: string; sessionsName: string } {
  const known = sessionKindsOf(programmeId);
  // Not in this catalogue: the usual words.
  const kinds = known.length ? known : ['meeting'];
  const one = countedSessionName(kinds);
  return one === 'session' ? { sessionName: 'meeting', sessionsName: 'meetings' } : { sessionName: one, sessionsName: countedSessionsName(kinds) };
}

/**
 * What the evaluation opens for the school, in a sentence, from the
 * catalogue by the message's programme id: the next phase, or, where the
 * next programme takes only schools judged Mastery Ready (Readiness into
 * Development, rule masteryReady: masteryReadyNeededFor), that the judgement
 * is needed too. "The
 * school moves to its next phase once we have it." when the programme is
 * not known. Pure.
 */
export function afterEvaluation(programmeId: string): { text: string; masteryReadyNeeded: boolean } {
  try {
    const current = programmeId ? programmeById(programmeId) : null;
    const next = current ? masteryReadyNeededFor(current) : null;
    if (current && next) {
      return {
        text: `Once we have it, the school’s ${phaseName(current.phase)} year is complete. To go on to the ${phaseName(next)} phase, the school must also be judged Mastery Ready: the hub makes that judgement at the end of the year.`,
        masteryReadyNeeded: true,
      };
    }
  } catch {
    // Not in this catalogue: the usual words.
  }
  return { text: 'The school moves to its next phase once we have it.', masteryReadyNeeded: false };
}

/**
 * A work group's name in a message that already names the programme: "work
 * group 1" for a default name ("Secondary … Work Group 2026/27, East
 * Midlands East Maths Hub, group 1"); a name the hub chose is kept. Pure.
 */
export function groupNameInMail(name: string): string {
  const n = /^.+ Work Group .*, group (\d+)$/i.exec(name)?.[1];
  return n ? `work group ${n}` : name;
}

/** The data a template sees: names and words only, every date in London time. Pure. */
export function viewOf(message: MessageToRender, ctx: RenderContext = {}): Record<string, unknown> {
  const d = message.data;
  const decidedAt = instant(d.decidedAt);
  // "In 14 days" counts from when the message was due to go out, so a retry or a restart within the
  // day sends the same words; a message sent more than a day late counts from when it is sent.
  const sentLate = ctx.now !== undefined && decidedAt !== null && Date.parse(ctx.now) - Date.parse(decidedAt) >= 86_400_000;
  const now = (sentLate ? ctx.now : decidedAt ?? ctx.now) ?? instant(d.startsAt) ?? instant(d.dueAt) ?? new Date(0).toISOString();
  const base = ctx.publicUrl ?? publicUrl();
  const hub = hubName(str(d.hub));
  const session = sessionView(d, now, str(d.school));
  const fromAt = instant(d.fromStartsAt);
  const sessions = Array.isArray(d.sessions) ? d.sessions.flatMap((s) => (s && typeof s === 'object' && !Array.isArray(s) ? [sessionView(s, now, str(d.school))] : [])).filter((s): s is SessionView => s !== null) : [];
  const first = sessions.find((s) => s.id === str(d.firstSession)) ?? null;
  // A school that joined a group after its year began: the dates already past are told apart from the ones to come.
  const joinedAt = decidedAt ? Date.parse(decidedAt) : null;
  const sessionsAhead = joinedAt === null ? sessions : sessions.filter((s) => Date.parse(s.startsAt) > joinedAt);
  const sessionsBefore = joinedAt === null ? [] : sessions.filter((s) => Date.parse(s.startsAt) <= joinedAt);
  const dueAt = instant(d.dueAt);
  const hubLead = ctx.hubLead ?? { name: `${hub} lead`, email: '' };
  return {
    kind: message.template,
    school: str(d.school) || `the school (URN ${message.urn})`,
    urn: message.urn,
    hub,
    programme: programmeTitle(str(d.programme)),
    // "every meeting", "the first workshop": the counted sessions of the school's programme.
    ...countedKinds(str(d.programmeId)),
    // What the evaluation opens: the next phase, or for a Readiness school, the Mastery Ready judgement too.
    afterEvaluation: afterEvaluation(str(d.programmeId)),
    year: str(d.academicYear),
    overdueYear: str(d.year) || str(d.academicYear),
    leader: str(d.leader),
    headteacher: str(d.headteacher),
    route: str(d.route),
    // The sentence names the programme already: a default group name ("<programme>, <hub>, group 1") would say it twice.
    group: ctx.group ? { ...ctx.group, name: groupNameInMail(ctx.group.name) } : null,
    hubLead,
    session,
    from: fromAt ? { when: longWhen(fromAt, null), place: venue(d.fromPlace), where: atVenue(d.fromPlace) } : null,
    placeChanged: fromAt ? venue(d.fromPlace) !== venue(d.place) : false,
    sessions,
    sessionsAhead,
    sessionsBefore,
    // The headteacher is asked to the first date only when it is still to come.
    firstSession: first && sessionsAhead.includes(first) ? first : null,
    headteacherAttendsFirst: d.headteacherAttendsFirst === true,
    // The schedule recorded the school's open days: its reminders move off closed days (machines/reminder-time.ts).
    remindersOnSchoolDays: d.remindersOnSchoolDays === true,
    due: dueAt ? longDate(dueAt) : '',
    dueCountdown: dueAt ? countdown(now, dueAt) : '',
    reason: str(d.reason),
    alternative: str(d.alternative),
    amount: typeof d.amountPence === 'number' ? pounds(d.amountPence) : str(d.amount),
    purpose: str(d.purpose),
    paidToDepartment: d.paidTo === 'department',
    releasedOn: decidedAt ? longDate(decidedAt) : '',
    decidedOn: decidedAt ? longDate(decidedAt) : '',
    // An overdue evaluation that cannot be recorded yet: fewer counted sessions held than the programme asks for.
    sessionsShort: typeof d.sessionsHeld === 'number' && typeof d.sessionsRequired === 'number' && d.sessionsHeld < d.sessionsRequired ? { held: d.sessionsHeld, required: d.sessionsRequired } : null,
    links: {
      school: ctx.schoolLink ?? null,
      evaluation: ctx.schoolLink ? `${ctx.schoolLink}#evaluation` : null,
      // The commitment form to print (web/routes/for-schools.ts COMMITMENT_SUFFIX).
      commitment: ctx.schoolLink ? `${ctx.schoolLink}/commitment` : null,
      hubSchool: `${base}/hub/schools/${encodeURIComponent(message.urn)}`,
    },
  };
}

function tidyText(t: string): string {
  return t
    .split('\n')
    .map((l) => l.replace(/[ \t]+$/, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function inviteOf(message: MessageToRender, view: Record<string, unknown>, ctx: RenderContext): Invite | undefined {
  const decidedAt = instant(message.data.decidedAt) ?? ctx.now;
  if (!decidedAt) return undefined;
  const organizer = ctx.hubLead?.email ? ctx.hubLead : { name: String(view.hub), email: 'pathway@mathshub.invalid' };
  const describe = (s: SessionView) => `${view.programme} (${view.year}), ${view.hub}. ${s.title}: ${s.when}. Where: ${s.place}.${ctx.group ? ` Led by ${ctx.group.lead.name}.` : ''}`;
  const toInvite = (s: SessionView): InviteSession => ({ sessionId: s.id, startsAt: s.startsAt, endsAt: s.endsAt, title: `${view.hub}: ${s.title}`, location: s.location, description: describe(s) });
  const calendarName = `${view.programme} ${view.year}`;
  if (message.template === 'schedule-announced') {
    // Only the dates still to come go in the calendar: a late joiner's past ones are told in the words.
    const sessions = (view.sessionsAhead as SessionView[]).filter((s) => s.id);
    return sessions.length ? makeInvite({ urn: message.urn, sessions: sessions.map(toInvite), decidedAt, calendarName, organizer }) : undefined;
  }
  const s = view.session as SessionView | null;
  if (!s?.id || !['session-reminder', 'first-workshop-reminder', 'session-moved', 'session-cancelled'].includes(message.template)) return undefined;
  return makeInvite({ urn: message.urn, sessions: [toInvite(s)], decidedAt, calendarName, organizer, cancel: message.template === 'session-cancelled' });
}

/** The message's view and its subject line alone. Throws on an unknown template, naming the known ones. Pure (apart from reading the template). */
function subjectOf(message: MessageToRender, ctx: RenderContext): { m: Record<string, unknown>; file: string; subject: string } {
  if (!MESSAGE_KINDS[message.template]) throw new UnknownTemplateError(message.template, Object.keys(MESSAGE_KINDS));
  const m = viewOf(message, ctx);
  const file = `${message.template}.njk`;
  const subject = subjectLine(file, m);
  return { m, file, subject };
}

/** A message's subject line only (a list of messages waiting, without rendering each body). Pure (apart from reading the template). */
export function renderSubject(message: MessageToRender, ctx: RenderContext = {}): string {
  return subjectOf(message, ctx).subject;
}

/**
 * Renders one message: subject, HTML and text parts from the kind's template,
 * and for session messages a calendar invite. Throws on an unknown template,
 * naming the known ones. Pure (apart from reading the template files).
 */
export function renderMessage(message: MessageToRender, ctx: RenderContext = {}): RenderedMessage {
  const { m, file, subject } = subjectOf(message, ctx);
  const text = tidyText(templates().text.render('layout.txt.njk', { m, file, subject, audience: MESSAGE_KINDS[message.template] }));
  const html = templates().html.render('layout.html.njk', { m, file, subject, audience: MESSAGE_KINDS[message.template] });
  const ics = inviteOf(message, m, ctx);
  return { subject, html, text, ...(ics ? { ics } : {}) };
}

/** What the weekly hub digest says: the hub's overdue schools and the emails held for a bad address. */
export interface DigestView {
  /** "East Midlands East Maths Hub". */
  hub: string;
  isoWeek: string;
  /** "week of Monday 30 June 2025". */
  week: string;
  /** "2 schools overdue, 1 email not delivered". */
  summary: string;
  overdueCount: string;
  overdue: { name: string; urn: string; programme: string; year: string; what: string; link: string }[];
  /** "2 sessions and 1 deadline" due from the digest's day to the end of the week; "" for none. */
  dueCount: string;
  /** Each session or deadline due this week: when (London), what (with its work group), which schools. */
  due: { when: string; what: string; schools: string }[];
  /** The hub board, which lists the same under "Due this week". */
  board: string;
  /** "2 evaluations" received since the last digest; "" for none. */
  receivedCount: string;
  /** Each evaluation a school sent in the week before the digest: when, and whether from the headteacher's page. */
  received: { name: string; urn: string; when: string; how: string; link: string }[];
  /** Schools the board lists under "To follow up" (a headteacher who missed the first workshop), with why. */
  followUp: { name: string; urn: string; what: string; link: string }[];
  problemCount: number;
  /** `name`: the school's name, or its URN when the service does not know it. */
  problems: { urn: string; name: string; problems: string; held: string; link: string }[];
}

/** The weekly digest's subject, HTML and text from its one template (digest.njk). Pure (apart from reading the template). */
export function renderDigest(m: DigestView): { subject: string; html: string; text: string } {
  const file = 'digest.njk';
  const subject = subjectLine(file, m);
  const text = tidyText(templates().text.render('layout.txt.njk', { m, file, subject, audience: 'hub' }));
  const html = templates().html.render('layout.html.njk', { m, file, subject, audience: 'hub' });
  return { subject, html, text };
}
