/**
 * Text for people at the command line: schools, one school, its history,
 * work groups, sessions, users, hub contacts and cohort transitions as tables
 * (fitted by cli/table.ts), and what a write caused in words. Every date and
 * time is London's. Pure (colour aside, which asks whether stdout is a terminal).
 */
import { DateTime } from 'luxon';
import type { SendResult, History } from '../host/engine.js';
import type { SchoolSummary } from '../machines/summary.js';
import type { Effect } from '../machines/effects.js';
import type { TransitionReport } from '../host/cohort.js';
import { describeCounts } from '../host/cohort.js';
import { pounds } from '../domain/catalogue/describe.js';
import { countedSessionName, sessionKindsOf } from '../domain/words/kinds.js';
import { programmeReadName } from '../domain/words/group-name.js';
import { phaseName, stateWords, statusWords } from '../domain/words/school-state.js';
import type { ApiUser } from '../store/ops/users.js';
import type { GroupDetail } from '../service/groups.js';
import type { WorkGroup } from '../store/ops/groups.js';
import type { GroupChange } from '../service/schedule.js';
import type { HubContact } from '../store/ops/hub-contacts.js';
import { renderTable, tableWidth, type Table } from './table.js';

export { tableWidth };
import { paint } from './colour.js';
import { upcomingWords } from '../service/school-words.js';

export { renderTable, pounds };

/** "Thu 5 Nov 2020 09:30" in London time. Pure. */
export function londonWhen(instant: string): string {
  const d = DateTime.fromISO(instant, { setZone: true });
  return d.isValid ? d.setZone('Europe/London').setLocale('en-GB').toFormat('ccc d LLL yyyy HH:mm') : instant;
}

/** "Readiness: application received", or "Not yet applied", as the pages say it. Pure. */
export function describeState(s: Pick<SchoolSummary, 'phase' | 'status'>): string {
  return stateWords(s);
}

/** "8 meetings held; 6 required", "1 meeting held; 6 required". Pure. */
export function describeMeetings(s: Pick<SchoolSummary, 'sessionsHeld' | 'sessionsRequired'> & { programmeId?: string | null }): string {
  const one = attendsWorkshops(s.programmeId ?? null) ? 'workshop' : 'meeting';
  return `${s.sessionsHeld} ${one}${s.sessionsHeld === 1 ? '' : 's'} held; ${s.sessionsRequired} required`;
}

/** Whether a programme's counted sessions are workshops (Readiness) rather than meetings (the other phases). Pure. */
function attendsWorkshops(programmeId: string | null): boolean {
  return countedSessionName(sessionKindsOf(programmeId)) === 'workshop';
}

/** Schools as a table: URN, name, hub, phase and status in words (as the pages say them), year, group, meetings, overdue. Pure. */
export function schoolsTable(schools: SchoolSummary[]): Table {
  return {
    headers: ['urn', 'school', 'hub', 'phase', 'status', 'year', 'group', 'meetings', 'overdue'],
    rows: schools.map((s) => [s.urn, s.name ?? '', s.hub ?? '', s.phase === 'none' ? '' : phaseName(s.phase), statusWords(s.status), s.academicYear ?? '', s.groupId ?? '', s.sessionsRequired ? `${s.sessionsHeld} of ${s.sessionsRequired}` : '', s.overdue ? 'OVERDUE' : '']),
  };
}

/** The schools table with its count, or "No schools match." Pure. */
export function renderSchools(schools: SchoolSummary[], table: string): string {
  return schools.length === 0 ? 'No schools match.' : `${table}\n${schools.length} school${schools.length === 1 ? '' : 's'}.`;
}

/** Why a school is overdue, for its status line: the evaluation, or how many past sessions still need their attendance. Pure. */
export function overdueWhy(s: Pick<SchoolSummary, 'status' | 'upcoming'>): string {
  if (s.status === 'overdue') return 'the evaluation was not sent by the end of the year';
  const n = s.upcoming.filter((u) => u.what.startsWith('attendance to record')).length;
  return n ? `attendance to record for ${n} past session${n === 1 ? '' : 's'}, listed under Upcoming` : 'an escalation is open';
}

/**
 * An item of a school's Upcoming list as `pathway schools show` prints it:
 * when (London), what in the pages' words ("Meeting 2 at The Minster
 * School"), and the session id that `pathway schedule move` and `cancel`
 * take (blank for a deadline). Pure.
 */
export function upcomingRow(u: { what: string; at: string }): [string, string, string] {
  const toRecord = /^attendance to record: (.*)$/.exec(u.what);
  const item = toRecord ? toRecord[1]! : u.what;
  const session = /^(?:meeting|workshop|visit|inSchoolDay) (\S+) at /.exec(item)?.[1] ?? '';
  const words = upcomingWords(item).title;
  return [londonWhen(u.at), toRecord ? `Attendance to record: ${words}` : words, session];
}

/**
 * One school: who and where, phase, status, programme, meetings, funding, and
 * what is coming up (London times). `groupName`: its work group as the pages
 * name it ("Development 2026/27, group 1"), shown beside the id. Pure.
 */
export function renderSchool(s: SchoolSummary, version: number, groupName: string | null = null): string {
  const rows: [string, string][] = [
    ['phase', phaseName(s.phase)],
    ['status', `${statusWords(s.status)}${s.overdue ? ` (overdue: ${overdueWhy(s)})` : ''}${s.reason ? ` (${s.reason})` : ''}`],
    // As the pages name it, without the catalogue's "(rules carried forward from …)" note (the audit keeps the recorded name).
    ['programme', s.programmeName ? `${programmeReadName(s.programmeName)} (${s.programmeId})` : '-'],
    ['year', s.academicYear ?? '-'],
    ['work group', s.groupId ? (groupName ? `${groupName} (${s.groupId})` : s.groupId) : '-'],
    [attendsWorkshops(s.programmeId) ? 'workshops' : 'meetings', describeMeetings(s)],
    ['funding paid', s.fundingPaidPence > 0 ? pounds(s.fundingPaidPence) : 'none this phase'],
    ['evaluation', s.evaluationSubmitted ? 'submitted' : 'not submitted'],
    ['version', String(version)],
  ];
  if (s.leader) rows.push([s.leader.role === 'readinessLead' ? 'readiness lead' : 'specialist', `${s.leader.name} (${s.leader.id}), ${s.leader.title}`]);
  if (s.actionPlan) rows.push(['action plan', describePlan(s)]);
  if (s.masteryReadyJudgement) rows.push(['mastery ready', `${s.masteryReadyJudgement.ready ? 'yes' : 'no'}, judged ${londonWhen(s.masteryReadyJudgement.at)} (Readiness ${s.masteryReadyJudgement.academicYear})${s.masteryReadyJudgement.note ? `: ${s.masteryReadyJudgement.note}` : ''}`]);
  if (s.alternativeOffered) rows.push(['alternative offered', s.alternativeOffered]);
  if (s.pastPhases.length) rows.push(['past phases', s.pastPhases.map((p) => `${p.phase} ${p.academicYear}: ${p.outcome}`).join('; ')]);
  const width = Math.max(...rows.map(([k]) => k.length));
  const head = `${paint('bold', `${s.name ?? '(no name)'} (URN ${s.urn})`)}, ${s.route ?? 'route unknown'}, ${s.hub ? `${s.hub} Maths Hub` : 'no hub'}: ${describeState(s)}${s.overdue ? ` ${paint('red', 'OVERDUE')}` : ''}`;
  const body = rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n');
  const upcoming = s.upcoming.length ? `\n\nUpcoming\n${renderTable(['when (London)', 'what', 'session'], s.upcoming.map(upcomingRow))}` : '\n\nUpcoming: nothing scheduled';
  return `${head}\n${body}${upcoming}`;
}

/** "made 20 Sep 2020 with Ada Lovelace, reviewed 1 time (coherence developing, ...)" or "none yet". Pure. */
export function describePlan(s: SchoolSummary): string {
  const p = s.actionPlan;
  if (!p || p.status === 'none') return 'none yet';
  const progress = Object.entries(p.progress).filter(([, v]) => v !== null).map(([k, v]) => `${k} ${v}`);
  return `made ${londonWhen(p.createdAt!)} with ${p.madeWith}; ${p.reviews === 0 ? 'not yet reviewed at a visit' : `reviewed ${p.reviews} time${p.reviews === 1 ? '' : 's'}, last ${londonWhen(p.lastReviewedAt!)}`}${progress.length ? ` (${progress.join(', ')})` : ''}`;
}

/** "grant of £2,000 released; 2 emails to send; evaluation requested", or "" when the event set nothing in motion but timers. Pure. */
export function describeCaused(effects: Effect[]): string {
  const parts: string[] = [];
  for (const e of effects) if (e.type === 'funding.release') parts.push(`grant of ${pounds(e.amountPence)} released`);
  const emails = effects.filter((e) => e.type === 'notify').length;
  if (emails) parts.push(`${emails} email${emails === 1 ? '' : 's'} to send`);
  if (effects.some((e) => e.type === 'evaluation.request')) parts.push('evaluation requested');
  return parts.join('; ');
}

/** A write's result: what was recorded, the school's state and version, and what it caused. Pure. */
export function renderWrite(what: string, r: SendResult): string {
  const caused = describeCaused(r.effects ?? []);
  const line = `${what}: ${r.summary.name ?? r.urn} (URN ${r.urn}) is now ${describeState(r.summary)}, version ${r.version}.`;
  const meetings = r.summary.groupId && r.summary.sessionsRequired > 0 ? ` ${describeMeetings(r.summary)}.` : '';
  return `${line}${meetings}${caused ? `\n  ${paint('green', caused[0]!.toUpperCase() + caused.slice(1))}.` : ''}`;
}

type FullHistory = History & { replayMatches?: boolean; replayError?: string | null };

function utc(instant: string): string {
  return instant.replace('T', ' ').replace(/\.\d+Z$|Z$/, '');
}

function describeSummary(s: SchoolSummary): string {
  const parts = [describeState(s)];
  if (s.programmeName) parts.push(`${s.programmeName} (${s.academicYear})`);
  if (s.groupId) parts.push(`group ${s.groupId}`);
  if (s.sessionsRequired > 0 || s.sessionsHeld > 0) parts.push(describeMeetings(s));
  parts.push(s.fundingPaidPence > 0 ? `funding paid ${pounds(s.fundingPaidPence)}` : 'no funding paid this phase');
  return parts.join('; ');
}

/** A school's events as a table: version, when it happened (London), event, by, recorded (UTC), machine version, state after. Pure. */
export function historyTable(h: History): Table {
  return {
    headers: ['ver', 'occurred (London)', 'event', 'by', 'recorded (UTC)', 'machine', 'state after'],
    rows: h.entries.map((e) => [String(e.version), londonWhen(e.occurredAt), e.type, e.actor, utc(e.recordedAt), e.machineVersion, stateWords(e)]),
  };
}

/** The history table for a terminal: without the recorded time and machine version (--wide and --csv keep them). Pure. */
export function compactHistory(t: Table): Table {
  const keep = [0, 1, 2, 3, 6];
  return { headers: keep.map((i) => t.headers[i]!), rows: t.rows.map((r) => keep.map((i) => r[i] ?? '')) };
}

/** The history as text: the events table, the state on the date, the replay and tamper checks. Pure. */
export function renderHistory(h: FullHistory, at: string | undefined, table: string): string {
  const name = h.stateAt?.name ? ` (${h.stateAt.name})` : '';
  const out = [`History of URN ${h.urn}${name}${at ? ` up to ${at}${at.length === 10 ? ' (end of the day, London)' : ''}` : ''}: ${h.entries.length} event${h.entries.length === 1 ? '' : 's'}`];
  if (h.entries.length) out.push(table);
  out.push('', `State ${at ? `on ${at}` : 'now'} (replayed): ${h.stateAt ? describeSummary(h.stateAt) : 'no events yet: the school had not applied'}`);
  if (h.replayMatches !== undefined) {
    out.push(h.replayMatches ? 'Replay: every stored state matches the machine run again over the events.' : `Replay: the stored states differ from the machine run again over the events${h.replayError ? ` (${h.replayError})` : ''}.`);
  }
  out.push(h.tampered ? paint('red', `Hash chain: TAMPERED at version ${h.tampered.version}: ${h.tampered.reason}`) : 'Hash chain: intact (no stored event was changed or deleted).');
  return out.join('\n');
}

/** Mermaid-safe text: no colons, semicolons or hashes, which the gantt syntax reads. Pure. */
function label(text: string): string {
  return text.replace(/[:;#]/g, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * The school's phases as a Mermaid gantt chart: one section per phase and
 * year, one bar per status it was in, from the event that put it there to
 * the next (the last runs to `until`). Dates are London's. Pure.
 */
export function renderMermaid(h: History, until: string): string {
  const out = ['gantt', `  title URN ${h.urn}${h.stateAt?.name ? ` ${label(h.stateAt.name)}` : ''} pathway`, '  dateFormat YYYY-MM-DD', '  axisFormat %b %Y'];
  const day = (instant: string) => DateTime.fromISO(instant, { setZone: true }).setZone('Europe/London').toISODate()!;
  const spans: { section: string; status: string; from: string; to: string }[] = [];
  let section = '';
  let sectionPhase = '';
  for (const e of h.entries) {
    const year = (e.payload as { programme?: { academicYear?: string } }).programme?.academicYear;
    // A new section when a phase starts (an application, advance or resumption names its programme) or the phase changes.
    if (year || e.phase !== sectionPhase) {
      sectionPhase = e.phase;
      section = `${e.phase}${year ? ` ${year}` : ''}`;
    }
    const last = spans[spans.length - 1];
    if (last && last.section === section && last.status === e.status) continue;
    if (last) last.to = day(e.occurredAt);
    spans.push({ section, status: e.status, from: day(e.occurredAt), to: day(until) });
  }
  let current = '';
  spans.forEach((s, n) => {
    if (s.section !== current) {
      current = s.section;
      out.push(`  section ${label(s.section)}`);
    }
    const to = s.to > s.from ? s.to : DateTime.fromISO(s.from).plus({ days: 1 }).toISODate()!;
    const milestone = s.status === 'completed' || s.status === 'withdrawn' || s.status === 'declined';
    out.push(milestone ? `  ${label(s.status)} :milestone, s${n}, ${s.from}, 0d` : `  ${label(s.status)} :s${n}, ${s.from}, ${to}`);
  });
  return out.join('\n');
}

/** Work groups as a table. Pure. */
export function groupsTable(groups: (WorkGroup & { places: number })[]): Table {
  return {
    headers: ['id', 'hub', 'programme', 'year', 'schools', 'lead', 'version'],
    rows: groups.map((g) => [g.id, g.hub, g.programmeId, g.academicYear, g.maxSchools === null ? String(g.places) : `${g.places}/${g.maxSchools}`, `${g.lead.name} <${g.lead.email}>`, String(g.version)]),
  };
}

/** One group: its facts, its schools and its sessions (London times). Pure. */
export function renderGroup(d: GroupDetail): string {
  const g = d.group;
  // The heading names the hub and the group: their columns would repeat them on every row.
  const all = schoolsTable(d.schools);
  const keep = all.headers.map((h, i) => (h === 'hub' || h === 'group' ? -1 : i)).filter((i) => i >= 0);
  const schools = { headers: keep.map((i) => all.headers[i]!), rows: all.rows.map((r) => keep.map((i) => r[i] ?? '')) };
  const lines = [
    `${paint('bold', g.name)} (${g.id}), version ${g.version}`,
    `  programme ${g.programmeId} (${g.academicYear}), hub ${g.hub}, lead ${g.lead.name} <${g.lead.email}>, ${g.maxSchools === null ? 'no size limit' : `up to ${g.maxSchools} schools`}`,
    '',
    d.schools.length
      ? renderSchools(d.schools, renderTable(schools.headers, schools.rows))
      : d.places.length
        ? `No school is in this group now: the ${d.places.length === 1 ? 'school' : `${d.places.length} schools`} that took ${d.places.length === 1 ? 'a place' : 'its places'} (${d.places.map((x) => x.urn).join(', ')}) moved on.`
        : 'No schools yet.',
    '',
  ];
  lines.push(
    d.sessions.length
      ? renderTable(['session', 'kind', 'when (London)', 'place', 'status'], d.sessions.map((s) => [s.sessionId, s.kind, londonWhen(s.at), s.place, s.status + (s.note ? ` (${s.note})` : '')]))
      : 'No sessions scheduled.',
  );
  return lines.join('\n');
}

/** Each school's outcome of a group change. Pure. */
export function renderGroupChange(what: string, r: GroupChange): string {
  const ok = r.schools.filter((s) => s.ok).length;
  const rows = r.schools.map((s) => [s.urn, s.ok ? `ok (version ${s.version})` : 'not changed', s.reason ?? '']);
  return `${what}: ${ok} of ${r.schools.length} school(s) updated; work group ${r.groupId} is at version ${r.groupVersion}.\n${renderTable(['urn', 'result', 'why'], rows)}`;
}

/** A cohort transition, one school a line. Pure. */
export function renderTransition(r: TransitionReport): string {
  const head = `${r.dryRun ? 'Dry run (nothing changed)' : 'Cohort transition'} ${r.from} -> ${r.to}: ${describeCounts(r.counts)}.`;
  if (r.rows.length === 0) return `${head}\nNo schools in this cohort.`;
  const rows = r.rows.map((x) => [x.urn, x.name ?? '', `${x.fromPhase} (${x.fromStatus})`, x.toPhase ? `${x.toPhase} ${r.to}` : '-', x.outcome, x.reason ?? '']);
  const dates = [
    ...(r.datesGiven ? [`${r.datesGiven} school${r.datesGiven === 1 ? '' : 's'} given the work group's dates for ${r.to}, already planned.`] : []),
    ...(r.datesWithheld ? [`${r.datesWithheld}.`] : []),
  ];
  return [head, renderTable(['urn', 'school', 'from', 'to', 'outcome', 'why not'], rows), ...dates].join('\n');
}

/** People with tokens as a table (times in London); the revoked column only when someone's token was revoked. Pure. */
export function usersTable(users: ApiUser[]): Table {
  const revoked = users.some((u) => u.revokedAt);
  return {
    headers: ['id', 'name', 'role', 'hubs', 'created', ...(revoked ? ['revoked'] : [])],
    rows: users.map((u) => [u.id, u.name, u.role, u.hubs.join(', '), londonWhen(u.createdAt), ...(revoked ? [u.revokedAt ? londonWhen(u.revokedAt) : ''] : [])]),
  };
}

/** Hub contacts as a table. Pure. */
export function contactsTable(contacts: HubContact[]): Table {
  return { headers: ['hub', 'name', 'email', 'set by', 'at'], rows: contacts.map((c) => [c.hub, c.name, c.email, c.updatedBy ?? '(default)', c.updatedAt ? londonWhen(c.updatedAt) : '']) };
}
