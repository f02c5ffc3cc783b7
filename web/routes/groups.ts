/**
 * Work group pages: the hub's groups (create one, generate a year's
 * sessions), one group (members and capacity, add a school, the year as
 * month calendars and a table, the .ics), and one session (record
 * attendance, move it with warnings and a confirm step, cancel it). Every
 * write calls the same service function as the API and the CLI; bad input
 * re-renders with the error summary and nothing written; a stale version
 * shows the fresh page with status 409. Auditors see the pages without
 * forms, and their posts are refused. Not pure.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findHub } from '../../domain/catalogue/hubs.js';
import { programmeById, programmesFor } from '../../domain/catalogue/programmes.js';
import { academicYearOf, nextAcademicYear } from '../../domain/calendar/academic-year.js';
import { atLondon } from '../../domain/calendar/london.js';
import { EventRejectedError, ValidationError, VersionConflictError } from '../../domain/errors.js';
import { GroupVersionConflict } from '../../store/ops/groups.js';
import type { Principal, Service } from '../../service/context.js';
import { assertWrite, hubLabel } from '../../service/access.js';
import { AlreadyExistsError, RefusedError, SessionChangeRefused } from '../../service/errors.js';
import { addSchoolToGroup, createGroup } from '../../service/groups.js';
import { groupYearOver } from '../../service/applications.js';
import { cancelGroupSession, checkGroupSessionMove, generateGroupSchedule, joinedDatesWords, moveGroupSession, type SchoolOutcome } from '../../service/schedule.js';
import { listSchools, recordAttendance } from '../../service/schools.js';
import { groupView, hubGroupRows, sessionView, timesMoved, type GroupView, type SessionView } from '../../service/group-view.js';
import { calendarFileName, groupCalendar } from '../../service/group-calendar.js';
import { moveWarnings, pastProblem, type MoveWarning } from '../../service/session-warnings.js';
import { formErrors, type FormErrors } from '../forms.js';
import { dateTime } from '../format.js';
import { refusalWords } from '../../service/school-words.js';
import { formVersion } from '../../service/form-version.js';
import { pageHub, hubQuery } from '../hub-context.js';
import { flash, requireSignIn } from '../session.js';
import { monthGrids, splitLabel } from '../groups/month-grid.js';
import { parseDateParts, parseTime } from '../groups/inputs.js';

type Body = Record<string, string | string[] | undefined>;
type GroupParams = { id: string };
type SessionParams = { id: string; sessionId: string };

const NO_ERRORS: FormErrors = { errors: [], fieldErrors: {} };
const one = (v: unknown): string => (Array.isArray(v) ? String(v[0] ?? '') : typeof v === 'string' ? v : '').trim();
const many = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' && v !== '' ? [v] : []);
const version = (body: Body): number | undefined => {
  const n = Number(one(body.version));
  return Number.isInteger(n) && n > 0 ? n : undefined;
};

/** May `p` change this hub's groups (hub staff of it, or an admin)? Pure. */
function canWrite(p: Principal, hubId: string): boolean {
  return p.role === 'admin' || (p.role === 'hub_staff' && p.hubs.includes(hubId));
}

function isConflict(err: unknown): boolean {
  return err instanceof VersionConflictError || err instanceof GroupVersionConflict;
}

function hubOfGroup(hubId: string): { hubId: string; hubName: string } {
  const h = findHub(hubId);
  return { hubId, hubName: h ? hubLabel(h) : hubId };
}

/**
 * What was refused, as a sentence for the error summary: the service's words
 * with the group's and sessions' ids replaced by their names, instants as
 * dates, and hints meant for API callers left out.
 */
function refusal(err: unknown, view: GroupView): string {
  let t = err instanceof EventRejectedError ? refusalWords(err.why) : err instanceof Error ? err.message : String(err);
  t = t.replace(/\s*\((?:POST|GET|PUT|DELETE) [^)]*\)/g, '').replace(/:\s*(?:list|see) (?:them|its sessions) with .*$/, '');
  for (const s of view.sessions) t = t.split(s.sessionId).join(s.label.toLowerCase());
  t = t.split(view.group.id).join(view.group.name);
  t = t.replace(/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})/g, (iso) => dateTime(iso));
  return capitalise(t);
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function outcomeWords(outcomes: SchoolOutcome[], names: Map<string, string>, done: string): string {
  const ok = outcomes.filter((o) => o.ok).length;
  const refused = outcomes.filter((o) => !o.ok);
  const head = `${done} for ${ok} ${ok === 1 ? 'school' : 'schools'}`;
  if (!refused.length) return head;
  return `${head}; not for ${refused.map((o) => `${names.get(o.urn) ?? `school ${o.urn}`} (${o.reason ?? 'refused'})`).join(', ')}`;
}

/**
 * A move or cancellation some school refused (nothing was changed), for the
 * error summary: the rule alone when every school refuses the new date for
 * the same reason ("The new date must be in the 2026/27 academic year (…)"),
 * else each school by name with its reason. `onDate`: it is the new date
 * that is wrong, so the date field shows it too. Pure.
 */
function changeRefusedWords(err: SessionChangeRefused, label: string): { text: string; onDate: boolean } {
  const reasons = [...new Set(err.refusals.map((r) => r.reason))];
  const onDate = reasons.every((r) => r.startsWith('the new date'));
  if (onDate && reasons.length === 1 && err.refusals.length === err.schools) return { text: capitalise(reasons[0]!), onDate };
  const done = err.change === 'move' ? 'moved' : 'cancelled';
  const head = err.schools > 1 ? `${label} was not ${done} for any of its ${err.schools} schools, and nothing was changed.` : `${label} was not ${done}, and nothing was changed.`;
  const each = err.refusals.map((r) => `It cannot be ${done} for ${r.name}: ${r.reason}.`);
  return { text: [head, ...each].join(' '), onDate };
}

// ---------------------------------------------------------------- the hub's groups

function programmeChoices(now: string): { value: string; text: string }[] {
  const year = academicYearOf(now);
  const years = [year, nextAcademicYear(year)];
  return years.flatMap((y) => programmesFor({ academicYear: y })).map((p) => ({ value: p.id, text: p.name }));
}

async function renderList(svc: Service, p: Principal, request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200): Promise<FastifyReply> {
  const hub = await pageHub(svc, p, request);
  const rows = await hubGroupRows(svc, p, hub.id);
  rows.sort((a, b) => (a.year === b.year ? a.group.name.localeCompare(b.group.name) : a.year < b.year ? 1 : -1));
  const q = hubQuery(p, hub);
  return reply.page(
    'groups/index.njk',
    {
      title: 'Work groups',
      hubId: hub.id,
      hubName: hub.label,
      q: q ? `?${q}` : '',
      rows,
      canWrite: canWrite(p, hub.id),
      programmes: programmeChoices(svc.now()),
      values: {},
      ...NO_ERRORS,
      ...extra,
    },
    status,
  );
}

// ---------------------------------------------------------------- one group

async function renderGroup(svc: Service, p: Principal, request: FastifyRequest<{ Params: GroupParams }>, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200): Promise<FastifyReply> {
  const year = one((request.query as Record<string, unknown> | undefined)?.year) || undefined;
  const view = await groupView(svc, p, request.params.id, year);
  const writable = canWrite(p, view.group.hub);
  const programmeYear = programmeById(view.group.programmeId)?.academicYear;
  // A group that has held all its meetings of its year takes no more schools (service/applications.ts groupYearOver).
  const yearOver = writable && !view.full && programmeYear ? await groupYearOver(svc, view.group, programmeYear, svc.now()) : null;
  const candidates = writable && !view.full && !yearOver ? await addableSchools(svc, p, view) : [];
  return reply.page(
    'groups/show.njk',
    {
      title: view.group.name,
      ...hubOfGroup(view.group.hub),
      view,
      months: monthGrids(view.sessions.map((s) => ({ sessionId: s.sessionId, label: s.label, ...splitLabel(s.label), startsAt: s.startsAt, status: s.status })), view.now, view.group.hub),
      canWrite: writable,
      candidates,
      yearOver: yearOver ? { ...yearOver, year: programmeYear } : null,
      values: {},
      breadcrumbs: [{ text: 'Work groups', href: '/hub/groups' + (p.role === 'admin' ? `?hub=${view.group.hub}` : '') }, { text: view.group.name }],
      ...NO_ERRORS,
      ...extra,
    },
    status,
  );
}

/** Schools of the hub that could take a place: eligible or waiting, for this group's programme. */
async function addableSchools(svc: Service, p: Principal, view: GroupView): Promise<{ value: string; text: string }[]> {
  const schools = await listSchools(svc, p, { hub: view.group.hub, programmeId: view.group.programmeId });
  return schools
    .filter((s) => s.status === 'eligible' || s.status === 'waitlisted')
    .map((s) => ({ value: s.urn, text: `${s.name ?? s.urn} (URN ${s.urn}, ${s.status === 'eligible' ? 'eligible' : 'on the waiting list'})` }));
}

// ---------------------------------------------------------------- one session

interface SessionForm {
  attendance?: Record<string, string[]>;
  move?: { day: string; month: string; year: string; time: string; place: string };
  reason?: string;
}

async function renderSession(
  svc: Service,
  p: Principal,
  request: FastifyRequest<{ Params: SessionParams }>,
  reply: FastifyReply,
  extra: { values?: SessionForm; warnings?: MoveWarning[]; confirmTo?: string; conflict?: boolean } & Partial<FormErrors> = {},
  status = 200,
): Promise<FastifyReply> {
  const { view, session } = await sessionView(svc, p, request.params.id, request.params.sessionId);
  const writable = canWrite(p, view.group.hub);
  const recordable = session.schools.filter((s) => s.accepting && (s.status === 'scheduled' || s.status === 'missed'));
  const waiting = session.schools.filter((s) => !s.accepting && s.status === 'scheduled');
  // A school that joined after the session is not among its schools (group-view's joinedAfter): it does not stop a move.
  const movable = session.status !== 'cancelled' && session.recorded === 0 && session.schools.every((s) => s.status === 'scheduled');
  const values: SessionForm = extra.values ?? {};
  const defaultMove = { day: '', month: '', year: '', time: '', place: session.place ?? '' };
  return reply.page(
    'groups/session.njk',
    {
      title: `${session.label}`,
      ...hubOfGroup(view.group.hub),
      view,
      session,
      canWrite: writable,
      canRecord: writable && session.status !== 'cancelled' && session.past && recordable.length > 0,
      recordable,
      waiting,
      canMove: writable && movable,
      values: { attendance: values.attendance ?? defaultAttendance(session), move: values.move ?? defaultMove, reason: values.reason ?? '' },
      warnings: extra.warnings ?? [],
      confirmTo: extra.confirmTo ?? '',
      conflict: extra.conflict ?? false,
      errors: extra.errors ?? [],
      fieldErrors: extra.fieldErrors ?? {},
      breadcrumbs: [
        { text: 'Work groups', href: '/hub/groups' + (p.role === 'admin' ? `?hub=${view.group.hub}` : '') },
        { text: view.group.name, href: `/hub/groups/${encodeURIComponent(view.group.id)}?year=${encodeURIComponent(session.academicYear)}` },
        { text: session.label },
      ],
    },
    status,
  );
}

/** Nobody ticked yet: the form starts empty (a tick means someone came). */
function defaultAttendance(_session: SessionView): Record<string, string[]> {
  return {};
}

function sessionPath(groupId: string, sessionId: string): string {
  return `/hub/groups/${encodeURIComponent(groupId)}/sessions/${encodeURIComponent(sessionId)}`;
}

/** Registers the work group pages. Not pure. */
export async function groupRoutes(app: FastifyInstance, svc: Service): Promise<void> {
  app.get('/hub/groups', async (request, reply) => {
    const p = requireSignIn(request, reply);
    if (!p) return reply;
    return renderList(svc, p, request, reply);
  });

  app.post<{ Body: Body }>('/hub/groups', async (request, reply) => {
    const p = requireSignIn(request, reply);
    if (!p) return reply;
    const hub = await pageHub(svc, p, request);
    assertWrite(p, hub.id, `the work groups of ${hub.label}`);
    const values = { programmeId: one(request.body.programmeId), leadName: one(request.body.leadName), leadEmail: one(request.body.leadEmail), name: one(request.body.name) };
    const problems: FormErrors = { errors: [], fieldErrors: {} };
    const add = (name: string, text: string) => {
      problems.errors.push({ text, href: `#${name}` });
      problems.fieldErrors[name] ??= text;
    };
    if (!programmeChoices(svc.now()).some((c) => c.value === values.programmeId)) add('programmeId', 'Select the programme the group is for');
    if (!values.leadName) add('leadName', 'Enter the name of the group’s lead');
    else if (values.leadName.length > 100) add('leadName', 'The lead’s name must be 100 characters or fewer');
    if (!values.leadEmail) add('leadEmail', 'Enter the lead’s email address');
    else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(values.leadEmail)) add('leadEmail', 'Enter the lead’s email address in the correct format, like name@example.com');
    if (values.name.length > 200) add('name', 'The group’s name must be 200 characters or fewer');
    if (problems.errors.length) return renderList(svc, p, request, reply, { values, ...problems, formOpen: true }, 400);
    try {
      const g = await createGroup(svc, p, { programmeId: values.programmeId, hub: hub.id, lead: { name: values.leadName, email: values.leadEmail }, ...(values.name ? { name: values.name } : {}) });
      flash(request, `Work group created: ${g.name}`);
      return reply.redirect(`/hub/groups/${encodeURIComponent(g.id)}`, 303);
    } catch (err) {
      if (err instanceof ValidationError) {
        const fe = formErrors(err.problems, { programmeId: { name: 'programmeId', label: 'Programme' }, 'lead.name': { name: 'leadName', label: 'Lead’s name' }, 'lead.email': { name: 'leadEmail', label: 'Lead’s email address' }, name: { name: 'name', label: 'Group name' } });
        return renderList(svc, p, request, reply, { values, ...fe, formOpen: true }, 400);
      }
      if (err instanceof AlreadyExistsError) return renderList(svc, p, request, reply, { values, errors: [{ text: capitalise(err.message), href: '#name' }], fieldErrors: { name: capitalise(err.message) }, formOpen: true }, 409);
      throw err;
    }
  });

  app.post<{ Params: GroupParams; Body: Body }>('/hub/groups/:id/schedule', async (request, reply) => {
    const p = requireSignIn(request, reply);
    if (!p) return reply;
    const view = await groupView(svc, p, request.params.id);
    assertWrite(p, view.group.hub, `work group ${view.group.name}`);
    const back = (extra: Record<string, unknown>, status: number) => renderList(svc, p, Object.assign(request, { query: { hub: view.group.hub } }), reply, extra, status);
    if (!view.members.some((m) => m.summary?.academicYear === view.year)) {
      return back({ errors: [{ text: `${view.group.name}: it has no schools in ${view.year} yet. Add schools before planning its sessions`, href: `#generate-${view.group.id}` }] }, 422);
    }
    try {
      const r = await generateGroupSchedule(svc, p, view.group.id, {}, { groupVersion: version(request.body) });
      const names = new Map(view.members.map((m) => [m.urn, m.name]));
      flash(request, `${r.sessions.length} sessions planned for ${r.academicYear}. ${outcomeWords(r.schools, names, 'Sent')}.`);
      return reply.redirect(`/hub/groups/${encodeURIComponent(view.group.id)}?year=${encodeURIComponent(r.academicYear)}`, 303);
    } catch (err) {
      if (isConflict(err)) return back({ conflict: true }, 409);
      if (err instanceof RefusedError || err instanceof ValidationError || err instanceof EventRejectedError) {
        const text = `${view.group.name}: ${err instanceof ValidationError ? err.problems.map((x) => x.message).join('; ') : refusal(err, view)}`;
        return back({ errors: [{ text, href: `#generate-${view.group.id}` }] }, 422);
      }
      throw err;
    }
  });

  app.get<{ Params: GroupParams }>('/hub/groups/:id', async (request, reply) => {
    const p = requireSignIn(request, reply);
    if (!p) return reply;
    return renderGroup(svc, p, request, reply);
  });

  app.post<{ Params: GroupParams; Body: Body }>('/hub/groups/:id/schools', async (request, reply) => {
    const p = requireSignIn(request, reply);
    if (!p) return reply;
    const view = await groupView(svc, p, request.params.id);
    assertWrite(p, view.group.hub, `work group ${view.group.name}`);
    const urn = one(request.body.urn);
    if (!urn) return renderGroup(svc, p, request, reply, { errors: [{ text: 'Select a school to add', href: '#urn' }], fieldErrors: { urn: 'Select a school to add' } }, 400);
    try {
      const r = await addSchoolToGroup(svc, p, view.group.id, { urn }, { groupVersion: version(request.body) });
      const added = (await listSchools(svc, p, { hub: view.group.hub })).find((s) => s.urn === urn);
      flash(request, [`${added?.name ?? `School ${urn}`} added to the group.`, joinedDatesWords(r.dates)].filter(Boolean).join('\n'));
      return reply.redirect(`/hub/groups/${encodeURIComponent(view.group.id)}`, 303);
    } catch (err) {
      if (isConflict(err)) return renderGroup(svc, p, request, reply, { conflict: true }, 409);
      if (err instanceof RefusedError || err instanceof ValidationError || err instanceof EventRejectedError) {
        const text = err instanceof ValidationError ? `School ${err.problems.map((x) => x.message).join('; ')}` : refusal(err, view);
        return renderGroup(svc, p, request, reply, { values: { urn }, errors: [{ text, href: '#urn' }], fieldErrors: { urn: text } }, 422);
      }
      throw err;
    }
  });

  app.get<{ Params: GroupParams; Querystring: { year?: string } }>('/hub/groups/:id/calendar.ics', async (request, reply) => {
    const p = requireSignIn(request, reply);
    if (!p) return reply;
    const view = await groupView(svc, p, request.params.id, request.query.year);
    const moved = await timesMoved(svc, p, view.group.id);
    const body = groupCalendar({ groupId: view.group.id, groupName: view.group.name, programmeName: view.programmeName, lead: view.group.lead, sessions: view.sessions, moved, stamp: svc.now() });
    return reply
      .type('text/calendar; charset=utf-8')
      .header('content-disposition', `attachment; filename="${calendarFileName(view.group.name, view.year)}"`)
      .header('cache-control', 'no-store')
      .send(body);
  });

  app.get<{ Params: SessionParams }>('/hub/groups/:id/sessions/:sessionId', async (request, reply) => {
    const p = requireSignIn(request, reply);
    if (!p) return reply;
    return renderSession(svc, p, request, reply);
  });

  app.post<{ Params: SessionParams; Body: Body }>('/hub/groups/:id/sessions/:sessionId/attendance', async (request, reply) => {
    const p = requireSignIn(request, reply);
    if (!p) return reply;
    const { view, session } = await sessionView(svc, p, request.params.id, request.params.sessionId);
    assertWrite(p, view.group.hub, `work group ${view.group.name}`);
    const posted = many(request.body.schools);
    const attendance: Record<string, string[]> = {};
    for (const urn of posted) attendance[urn] = many(request.body[`present-${urn}`]);
    const values: SessionForm = { attendance };
    if (!session.past) {
      const text = 'Attendance can be recorded once the session has started';
      return renderSession(svc, p, request, reply, { values, errors: [{ text, href: '#attendance' }], fieldErrors: {} }, 422);
    }
    // Each school posted: the ticks are checked for every school before anything is written.
    const todo: { urn: string; name: string; teachers: number; head: boolean; expected: number }[] = [];
    const fe: FormErrors = { errors: [], fieldErrors: {} };
    for (const urn of posted) {
      const school = session.schools.find((s) => s.urn === urn);
      if (!school) continue;
      const ticks = attendance[urn]!;
      const expected = Number(one(request.body[`version-${urn}`]));
      // Already recorded as held (this form sent twice): nothing more to do for it.
      if (school.status === 'held') continue;
      if (school.status === 'cancelled' || !school.accepting) continue;
      if (ticks.length === 0) {
        const text = `Select who came from ${school.name}, or select ‘Nobody from this school came’`;
        fe.errors.push({ text, href: `#present-${urn}` });
        fe.fieldErrors[`present-${urn}`] = text;
        continue;
      }
      if (ticks.includes('nobody') && ticks.length > 1) {
        const text = `${school.name}: select the people who came, or ‘Nobody from this school came’, not both`;
        fe.errors.push({ text, href: `#present-${urn}` });
        fe.fieldErrors[`present-${urn}`] = text;
        continue;
      }
      // Only a person's change since the form was shown conflicts; the school's own timers do not (service/form-version.ts).
      if (Number.isInteger(expected) && expected > 0 && expected !== school.version && (await formVersion(svc, urn, expected)) !== school.version) {
        return renderSession(svc, p, request, reply, { values, conflict: true }, 409);
      }
      todo.push({ urn, name: school.name, teachers: ticks.filter((t) => t === 'teacher1' || t === 'teacher2').length, head: ticks.includes('headteacher'), expected: school.version });
    }
    if (posted.length === 0) {
      fe.errors.push({ text: 'There is no school to record: reload the page', href: '#attendance' });
    }
    if (fe.errors.length) return renderSession(svc, p, request, reply, { values, ...fe }, 400);
    let written = 0;
    try {
      for (const t of todo) {
        await recordAttendance(svc, p, t.urn, { sessionId: session.sessionId, teachersPresent: t.teachers, headteacherPresent: t.head }, { expectedVersion: t.expected });
        written += 1;
      }
    } catch (err) {
      if (isConflict(err)) return renderSession(svc, p, request, reply, { values, conflict: true }, 409);
      if (err instanceof EventRejectedError || err instanceof RefusedError) {
        const text = `${todo[written]?.name ?? 'A school'}: ${refusal(err, view)}${written ? ` (recorded for ${written} ${written === 1 ? 'school' : 'schools'} before it)` : ''}`;
        return renderSession(svc, p, request, reply, { errors: [{ text, href: '#attendance' }] }, 422);
      }
      throw err;
    }
    flash(request, todo.length ? `Attendance recorded for ${todo.map((t) => t.name).join(', ')}` : 'Attendance was already recorded');
    return reply.redirect(sessionPath(view.group.id, session.sessionId), 303);
  });

  app.post<{ Params: SessionParams; Body: Body }>('/hub/groups/:id/sessions/:sessionId/move', async (request, reply) => {
    const p = requireSignIn(request, reply);
    if (!p) return reply;
    const { view, session } = await sessionView(svc, p, request.params.id, request.params.sessionId);
    assertWrite(p, view.group.hub, `work group ${view.group.name}`);
    const b = request.body;
    const move = { day: one(b['to-day']), month: one(b['to-month']), year: one(b['to-year']), time: one(b.time), place: one(b.place) };
    const values: SessionForm = { move };
    const fe: FormErrors = { errors: [], fieldErrors: {} };
    const date = parseDateParts(move.day, move.month, move.year, 'The new date');
    if (!date.ok) {
      fe.errors.push({ text: date.message, href: `#to-${date.part ?? 'day'}` });
      fe.fieldErrors.to = date.message;
    }
    const time = parseTime(move.time, 'The new time');
    if (!time.ok) {
      fe.errors.push({ text: time.message, href: '#time' });
      fe.fieldErrors.time = time.message;
    }
    if (move.place.length > 200) {
      fe.errors.push({ text: 'The venue must be 200 characters or fewer', href: '#place' });
      fe.fieldErrors.place = 'The venue must be 200 characters or fewer';
    }
    let to = '';
    if (date.ok && time.ok) {
      try {
        to = atLondon(date.value, time.value);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        const text = 'The new time does not exist on that day: the clocks go forward at 1am';
        fe.errors.push({ text, href: '#time' });
        fe.fieldErrors.time = text;
      }
      const past = to ? pastProblem(to, svc.now()) : null;
      if (past) {
        fe.errors.push({ text: past, href: '#to-day' });
        fe.fieldErrors.to = past;
      }
    }
    if (fe.errors.length) return renderSession(svc, p, request, reply, { values, ...fe }, 400);
    const input = { to, ...(move.place && move.place !== (session.place ?? '') ? { place: move.place } : {}) };
    try {
      // The schools' rules are asked first: a date they refuse is an error, never a warning to confirm.
      await checkGroupSessionMove(svc, p, view.group.id, session.sessionId, input);
      const warnings = moveWarnings({ sessionId: session.sessionId, to, others: view.sessions.map((s) => ({ sessionId: s.sessionId, label: s.label, startsAt: s.startsAt, status: s.status })), scope: { hub: view.group.hub } });
      // A warning asks for a confirmation of this very time; a changed time is checked again.
      if (warnings.length && one(b.confirm) !== to) return renderSession(svc, p, request, reply, { values, warnings, confirmTo: to }, 200);
      const r = await moveGroupSession(svc, p, view.group.id, session.sessionId, input, { groupVersion: version(b) });
      const names = new Map(view.members.map((m) => [m.urn, m.name]));
      flash(request, r.schools.length ? `${session.label} moved. ${outcomeWords(r.schools, names, 'Moved')}; their reminders move with it.` : `${session.label} moved. No school has it in its schedule yet.`);
      return reply.redirect(sessionPath(view.group.id, session.sessionId), 303);
    } catch (err) {
      if (isConflict(err)) return renderSession(svc, p, request, reply, { values, conflict: true }, 409);
      if (err instanceof SessionChangeRefused) {
        const { text, onDate } = changeRefusedWords(err, session.label);
        return renderSession(svc, p, request, reply, { values, errors: [{ text, href: onDate ? '#to-day' : '#move' }], fieldErrors: onDate ? { to: text } : {} }, 422);
      }
      if (err instanceof RefusedError || err instanceof EventRejectedError) return renderSession(svc, p, request, reply, { values, errors: [{ text: refusal(err, view), href: '#to-day' }], fieldErrors: {} }, 422);
      throw err;
    }
  });

  app.post<{ Params: SessionParams; Body: Body }>('/hub/groups/:id/sessions/:sessionId/cancel', async (request, reply) => {
    const p = requireSignIn(request, reply);
    if (!p) return reply;
    const { view, session } = await sessionView(svc, p, request.params.id, request.params.sessionId);
    assertWrite(p, view.group.hub, `work group ${view.group.name}`);
    const reason = one(request.body.reason);
    const values: SessionForm = { reason };
    if (!reason) return renderSession(svc, p, request, reply, { values, errors: [{ text: 'Enter why the session is cancelled', href: '#reason' }], fieldErrors: { reason: 'Enter why the session is cancelled' } }, 400);
    if (reason.length > 2000) return renderSession(svc, p, request, reply, { values, errors: [{ text: 'The reason must be 2,000 characters or fewer', href: '#reason' }], fieldErrors: { reason: 'The reason must be 2,000 characters or fewer' } }, 400);
    try {
      const r = await cancelGroupSession(svc, p, view.group.id, session.sessionId, { reason }, { groupVersion: version(request.body) });
      const names = new Map(view.members.map((m) => [m.urn, m.name]));
      flash(request, r.schools.length ? `${session.label} cancelled. ${outcomeWords(r.schools, names, 'Cancelled')}; the schools are told.` : `${session.label} cancelled. No school has it in its schedule yet.`);
      return reply.redirect(sessionPath(view.group.id, session.sessionId), 303);
    } catch (err) {
      if (isConflict(err)) return renderSession(svc, p, request, reply, { values, conflict: true }, 409);
      if (err instanceof SessionChangeRefused) return renderSession(svc, p, request, reply, { values, errors: [{ text: changeRefusedWords(err, session.label).text, href: '#cancel' }], fieldErrors: {} }, 422);
      if (err instanceof RefusedError || err instanceof EventRejectedError) return renderSession(svc, p, request, reply, { values, errors: [{ text: refusal(err, view), href: '#reason' }], fieldErrors: {} }, 422);
      throw err;
    }
  });
}
