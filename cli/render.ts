/**
 * Text for people at the command line: tables of schools, groups, sessions,
 * users and cohort transitions, and one-line results of writes. Pure.
 */
import { renderTable } from './commands/programmes.js';
import type { SendResult, History } from '../host/engine.js';
import type { SchoolSummary } from '../machines/summary.js';
import type { TransitionReport } from '../host/cohort.js';
import { describeCounts } from '../host/cohort.js';
import type { ApiUser } from '../store/ops/users.js';
import type { GroupDetail } from '../service/groups.js';
import type { WorkGroup } from '../store/ops/groups.js';
import type { GroupChange } from '../service/schedule.js';
import type { HubContact } from '../store/ops/hub-contacts.js';

export { renderTable };

function state(s: SchoolSummary): string {
  return s.phase === 'none' ? s.status : `${s.phase}/${s.status}`;
}

/** Schools as a table: URN, name, hub, phase/status, programme year, group, progress, overdue. Pure. */
export function renderSchools(schools: SchoolSummary[]): string {
  if (schools.length === 0) return 'No schools match.';
  const rows = schools.map((s) => [
    s.urn,
    s.name ?? '',
    s.hub ?? '',
    state(s),
    s.academicYear ?? '',
    s.groupId ?? '',
    s.sessionsRequired ? `${s.sessionsHeld}/${s.sessionsRequired}` : '',
    s.overdue ? 'OVERDUE' : '',
  ]);
  return `${renderTable(['urn', 'school', 'hub', 'phase/status', 'year', 'group', 'held', ''], rows)}\n${schools.length} school(s).`;
}

/** One school: its state, programme, progress and what is coming up. Pure. */
export function renderSchool(s: SchoolSummary, version: number): string {
  const lines = [
    `${s.name ?? '(no name)'} (URN ${s.urn}), ${s.hub ?? 'no hub'} Maths Hub: ${state(s)}${s.overdue ? ' — OVERDUE' : ''} (version ${version})`,
    `  programme: ${s.programmeName ?? '-'}${s.academicYear ? ` (${s.academicYear})` : ''}${s.groupId ? `, work group ${s.groupId}` : ''}`,
    `  sessions held: ${s.sessionsHeld} of ${s.sessionsRequired} required; evaluation ${s.evaluationSubmitted ? 'submitted' : 'not submitted'}; funding paid £${(s.fundingPaidPence / 100).toFixed(2)}`,
  ];
  if (s.reason) lines.push(`  last reason: ${s.reason}`);
  if (s.alternativeOffered) lines.push(`  alternative offered: ${s.alternativeOffered}`);
  if (s.pastPhases.length) lines.push(`  past phases: ${s.pastPhases.map((p) => `${p.phase} ${p.academicYear} (${p.outcome})`).join(', ')}`);
  lines.push(s.upcoming.length ? '  upcoming:' : '  nothing upcoming');
  for (const u of s.upcoming) lines.push(`    ${u.at}  ${u.what}`);
  return lines.join('\n');
}

/** A write's result in one line: the school, its state and version. Pure. */
export function renderWrite(what: string, r: SendResult): string {
  return `${what}: ${r.summary.name ?? r.urn} (URN ${r.urn}) is now ${state(r.summary)}, version ${r.version}.`;
}

/** A school's history, one event a line, and its state on the date asked. Pure. */
export function renderHistory(h: History, at?: string): string {
  const rows = h.entries.map((e) => [String(e.version), e.occurredAt, e.type, e.actor, `${e.phase}/${e.status}`, e.recordedAt]);
  const lines = [renderTable(['v', 'happened', 'event', 'who', 'state after', 'recorded'], rows)];
  if (h.stateAt) lines.push(`State${at ? ` on ${at}` : ''}: ${state(h.stateAt)}${h.stateAt.academicYear ? ` (${h.stateAt.academicYear})` : ''}.`);
  lines.push(h.tampered ? `HASH CHAIN BROKEN at version ${h.tampered.version}: ${h.tampered.reason}` : 'Hash chain intact.');
  return lines.join('\n');
}

/** Work groups as a table. Pure. */
export function renderGroups(groups: (WorkGroup & { places: number })[]): string {
  if (groups.length === 0) return 'No work groups.';
  return renderTable(
    ['id', 'hub', 'programme', 'year', 'schools', 'lead', 'version'],
    groups.map((g) => [g.id, g.hub, g.programmeId, g.academicYear, g.maxSchools === null ? String(g.places) : `${g.places}/${g.maxSchools}`, `${g.lead.name} <${g.lead.email}>`, String(g.version)]),
  );
}

/** One group: its facts, its schools and its sessions. Pure. */
export function renderGroup(d: GroupDetail): string {
  const g = d.group;
  const lines = [
    `${g.name} (${g.id}), version ${g.version}`,
    `  programme ${g.programmeId} (${g.academicYear}), hub ${g.hub}, lead ${g.lead.name} <${g.lead.email}>, ${g.maxSchools === null ? 'no size limit' : `up to ${g.maxSchools} schools`}`,
    '',
    d.schools.length ? renderSchools(d.schools) : 'No schools yet.',
    '',
  ];
  lines.push(
    d.sessions.length
      ? renderTable(['session', 'kind', 'when', 'place', 'status'], d.sessions.map((s) => [s.sessionId, s.kind, s.at, s.place, s.status + (s.note ? ` (${s.note})` : '')]))
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
  return `${head}\n${renderTable(['urn', 'school', 'from', 'to', 'outcome', 'why not'], rows)}`;
}

/** People with tokens. Pure. */
export function renderUsers(users: ApiUser[]): string {
  if (users.length === 0) return 'No users.';
  return renderTable(['id', 'name', 'role', 'hubs', 'created', 'revoked'], users.map((u) => [u.id, u.name, u.role, u.hubs.join(', '), u.createdAt, u.revokedAt ?? '']));
}

/** Hub contacts. Pure. */
export function renderContacts(contacts: HubContact[]): string {
  if (contacts.length === 0) return 'No hub contacts set.';
  return renderTable(['hub', 'name', 'email', 'set by', 'at'], contacts.map((c) => [c.hub, c.name, c.email, c.updatedBy ?? '(default)', c.updatedAt ?? '']));
}
