/**
 * Applications: a form in, an APPLY event out (with the catalogue's programme
 * for the form's kind and year); the list; eligibility; selection into a work
 * group (keeping group applications together where possible), waitlisting
 * and declining with an alternative. Not pure (engine and database I/O).
 */
import { hubs } from '../domain/catalogue/hubs.js';
import { programmeById, programmeFor } from '../domain/catalogue/programmes.js';
import type { Programme } from '../domain/catalogue/schema.js';
import { ValidationError, EventRejectedError, VersionConflictError, UnknownSchoolError, type Problem } from '../domain/errors.js';
import { FORM_KINDS, defaultRules, formToApplication, isFormKind, rulesFromProgramme, validateForm, type FormKind } from '../domain/forms/index.js';
import { whyRejected, stateLabel, parseEvent, type PersistedPathway } from '../machines/decide.js';
import type { SendResult } from '../host/engine.js';
import type { SchoolSummary } from '../machines/summary.js';
import { saveForm, formFor } from '../store/ops/forms.js';
import { getGroup, groupSessions, listGroups, placesOf, releasePlace, reservePlace, type WorkGroup } from '../store/ops/groups.js';
import { dateTime } from '../domain/words/dates.js';
import { countedSessionsName } from '../domain/words/kinds.js';
import { assertWrite, hubIdOf, hubLabel, resolveHub } from './access.js';
import type { Principal, Service } from './context.js';
import { NotFoundError, RefusedError } from './errors.js';
import { listSchools, sendToSchool, type WriteOptions } from './schools.js';
import { eventTime, submittedAt } from './time.js';
import { giveGroupDates, type JoinedDates } from './schedule.js';

const KNOWN_HUB_NAMES = hubs.map((h) => h.name);

export interface Submitted extends SendResult {
  programmeId: string;
  /** Warnings of the form check (over an "about N words" limit, ...): stored anyway. */
  warnings: Problem[];
}

/**
 * Checks an application form (every field and cross-field rule at once),
 * then sends APPLY with the catalogue's programme for the form's route,
 * phase and year — or, with `programmeId`, that programme (a form of the
 * same route and phase used for another year, checked against that year's
 * rules). The school's hub is the form's, written as the hub's name without
 * "Maths Hub". Throws ValidationError listing every problem. Not pure.
 */
export async function submitApplication(
  svc: Service,
  p: Principal,
  input: unknown,
  // unsigned: the form is recorded without its signatures (the hub web page), because the commitment is signed later on the school page (COMMITMENT_SIGNED).
  o: WriteOptions & { programmeId?: string; unsigned?: boolean } = {},
): Promise<Submitted> {
  const chosen = o.programmeId === undefined ? undefined : programmeForForm(input, o.programmeId);
  const rules = chosen ? rulesFromProgramme(chosen.kind, chosen.programme) : undefined;
  const checked = validateForm(input, { ...(rules ?? {}), knownHubs: KNOWN_HUB_NAMES, ...(o.unsigned ? { signatories: [] } : {}) });
  if (!checked.ok || !checked.form) throw new ValidationError(checked.problems, 'application form');
  const app = formToApplication(checked.form, rules);
  const hub = resolveHub(app.school.hub, 'school.hub');
  assertWrite(p, hub.id, `applications to ${hub.name}`);
  const programme = chosen?.programme ?? programmeFor(app.route, app.phase, app.academicYear);
  if (!programme) throw new RefusedError(`the catalogue has no ${app.route} ${app.phase} programme for ${app.academicYear}, so form ${checked.form.kind} cannot be taken`);
  const at = submittedAt(svc.now(), checked.form.submittedOn);
  // A school already known keeps its hub: staff of another hub may not re-apply for it.
  try {
    const existing = await svc.engine.state(app.urn);
    assertWrite(p, hubIdOf(existing.summary.hub), `school ${app.urn}`);
  } catch (err) {
    if (!(err instanceof UnknownSchoolError)) throw err;
  }
  const result = await svc.engine.send(
    app.urn,
    { type: 'APPLY', at, programme, school: { ...app.school, hub: hubLabel(hub) }, teachers: app.teachers, groupWith: app.groupWith },
    { actor: p.id, ...(o.expectedVersion !== undefined ? { expectedVersion: o.expectedVersion } : {}) },
  );
  await saveForm(svc.db, { urn: app.urn, programmeId: programme.id, kind: checked.form.kind, form: checked.form, submittedOn: checked.form.submittedOn, recordedBy: p.id });
  return { ...result, programmeId: programme.id, warnings: checked.problems.filter((x) => x.severity === 'warning') };
}

/**
 * A form of one kind for another year's programme: the form gives the fields,
 * the catalogue entry the year, deadline and limits (rulesFromProgramme). The
 * programme must be of the form's route and phase. Throws ValidationError. Pure.
 */
function programmeForForm(input: unknown, programmeId: string): { kind: FormKind; programme: Programme } {
  const kind = (input as { kind?: unknown } | null)?.kind;
  if (!isFormKind(kind)) throw new ValidationError([{ path: 'kind', message: `must be one of ${FORM_KINDS.join(', ')}`, value: kind, severity: 'error' }], 'application form');
  const programme = programmeById(programmeId);
  const base = defaultRules[kind];
  if (programme.route !== base.route || programme.phase !== base.phase) {
    throw new ValidationError(
      [{ path: 'programme', message: `must be a ${base.route} ${base.phase} programme to go with a ${kind} form, not ${programme.route} ${programme.phase}`, value: programmeId, severity: 'error' }],
      'application',
    );
  }
  return { kind, programme };
}

/** The statuses an application passes through before a place is decided. */
export const OPEN_APPLICATION_STATUSES = ['applied', 'eligible', 'waitlisted'] as const;

/** Applications (schools in applied, eligible or waitlisted, or the one `status` given) among the hubs `p` may read. Not pure. */
export async function listApplications(
  svc: Service,
  p: Principal,
  filter: { hub?: string; programmeId?: string; academicYear?: string; status?: string } = {},
): Promise<SchoolSummary[]> {
  const statuses = filter.status ? [filter.status] : [...OPEN_APPLICATION_STATUSES];
  const { status: _ignored, ...rest } = filter;
  const lists = await Promise.all(statuses.map((status) => listSchools(svc, p, { ...rest, status })));
  return lists.flat().sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
}

/** A criterion id without case or punctuation: "ofsted-ri-or-inadequate" and "ofstedRiOrInadequate" meet. Pure. */
function criterionKey(id: string): string {
  return id.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * The criteria as the programme spells them: each given id is matched to the
 * programme's criterion with the same letters and digits (so either spelling
 * is accepted); one that matches none is kept as given, for the rule to
 * refuse by name. Pure.
 */
export function programmeCriteria(given: string[], known: readonly { id: string }[]): string[] {
  const byKey = new Map(known.map((c) => [criterionKey(c.id), c.id]));
  return given.map((g) => byKey.get(criterionKey(g)) ?? g);
}

/**
 * Records the hub's eligibility judgement. Criteria may be written in either
 * spelling (ofsted-ri-or-inadequate or ofstedRiOrInadequate); when the school
 * is judged eligible and none are given, those the school claimed on its
 * form are used. Not pure.
 */
export async function assessEligibility(
  svc: Service,
  p: Principal,
  urn: string,
  body: { eligible: boolean; criteria?: string[]; note?: string; at?: string },
  o: WriteOptions = {},
): Promise<SendResult> {
  const at = eventTime(svc.now(), body.at);
  let claimed: string[] = [];
  if (body.criteria === undefined && body.eligible) {
    const st = await svc.engine.state(urn);
    const programmeId = st.summary.programmeId;
    const form = programmeId ? await formFor(svc.db, urn, programmeId) : null;
    const criteria = (form?.form as { eligibility?: { criteria?: unknown } } | undefined)?.eligibility?.criteria;
    claimed = Array.isArray(criteria) ? criteria.filter((c): c is string => typeof c === 'string') : [];
  }
  return sendToSchool(
    svc,
    p,
    urn,
    ({ snapshot }) => ({
      type: 'ELIGIBILITY_ASSESSED',
      at,
      eligible: body.eligible,
      criteria: programmeCriteria(body.criteria ?? claimed, snapshot.context.programme?.eligibility?.criteria ?? []),
      ...(body.note ? { note: body.note } : {}),
    }),
    o,
  );
}

/** Puts an eligible school on the waiting list (WAITLISTED). Not pure. */
export async function waitlistApplication(svc: Service, p: Principal, urn: string, body: { reason: string; at?: string }, o: WriteOptions = {}): Promise<SendResult> {
  const at = eventTime(svc.now(), body.at);
  return sendToSchool(svc, p, urn, { type: 'WAITLISTED', at, reason: body.reason }, o);
}

/** Declines an application, optionally offering an alternative (DECLINED). Not pure. */
export async function declineApplication(svc: Service, p: Principal, urn: string, body: { reason: string; alternative?: string; at?: string }, o: WriteOptions = {}): Promise<SendResult> {
  const at = eventTime(svc.now(), body.at);
  return sendToSchool(svc, p, urn, { type: 'DECLINED', at, reason: body.reason, ...(body.alternative ? { alternative: body.alternative } : {}) }, o);
}

export interface Selected extends SendResult {
  groupId: string;
  groupSize: number;
  groupVersion: number;
  /** Why the group was chosen, or where the school's partners are when they could not be kept together. */
  notes: string[];
  /** The group's dates the school was given when the group's year was already planned (a late joiner). */
  dates: JoinedDates;
}

/** Does a groupWith entry (a URN or a school name) name this school? Pure. */
function names(entry: string, school: { urn: string; name: string | null }): boolean {
  const e = entry.trim().toLowerCase();
  return e === school.urn || (school.name !== null && e === school.name.trim().toLowerCase());
}

/**
 * The URNs of the school's partners in a group application: the schools it
 * names, and the schools that name it, among the applicants to the same
 * programme in its hub.
 */
async function partnersOf(svc: Service, urn: string, summary: SchoolSummary, groupWith: string[]): Promise<string[]> {
  if (!summary.programmeId || !summary.hub) return [];
  const same = (await svc.engine.schools({ programmeId: summary.programmeId, hub: summary.hub })).filter((s) => s.urn !== urn);
  const out = new Set<string>();
  for (const s of same) {
    if (groupWith.some((g) => names(g, s))) out.add(s.urn);
  }
  for (const s of same) {
    if (out.has(s.urn)) continue;
    const st = await svc.engine.state(s.urn);
    const theirs = (st.snapshot as PersistedPathway).context.groupWith ?? [];
    if (theirs.some((g) => names(g, { urn, name: summary.name }))) out.add(s.urn);
  }
  return [...out];
}

/**
 * Picks a work group for a school: one of its partners' groups with room,
 * else the hub's group for the programme with the most schools that still has
 * room (so groups fill before new ones start). Throws RefusedError when none has room.
 */
async function chooseGroup(svc: Service, summary: SchoolSummary, partners: string[]): Promise<{ group: WorkGroup; notes: string[] }> {
  const hubId = hubIdOf(summary.hub)!;
  const groups = await listGroups(svc.db, { hubs: [hubId], programmeId: summary.programmeId! });
  const withPlaces = await Promise.all(groups.map(async (g) => ({ g, places: await placesOf(svc.db, g.id) })));
  const hasRoom = (x: { g: WorkGroup; places: { urn: string }[] }) => x.g.maxSchools === null || x.places.length < x.g.maxSchools;
  const partnerGroup = withPlaces.find((x) => x.places.some((pl) => partners.includes(pl.urn)) && hasRoom(x));
  if (partnerGroup) return { group: partnerGroup.g, notes: [`placed with partner school(s) ${partnerGroup.places.filter((pl) => partners.includes(pl.urn)).map((pl) => pl.urn).join(', ')} in ${partnerGroup.g.id}`] };
  const open = withPlaces.filter(hasRoom).sort((a, b) => b.places.length - a.places.length);
  if (open[0]) {
    const notes = partners.length && withPlaces.some((x) => x.places.some((pl) => partners.includes(pl.urn))) ? [`the partner schools' group is full, so ${summary.urn} goes to ${open[0].g.id}`] : [];
    return { group: open[0].g, notes };
  }
  throw new RefusedError(
    `no work group of ${summary.programmeId} in ${summary.hub} has room (${groups.length} group(s))`,
    { kind: 'create-group' },
  );
}

/**
 * Selects an eligible or waitlisted school into a work group: the one named,
 * or one chosen to keep group applications together. The place is reserved
 * under a lock on the group (so the catalogue's size limit holds when two
 * operators add schools at once) and given back if the school's state
 * refuses the selection. `groupVersion` is If-Match for the group. Not pure.
 */
export async function selectApplication(
  svc: Service,
  p: Principal,
  urn: string,
  body: { groupId?: string; at?: string },
  o: WriteOptions & { groupVersion?: number } = {},
): Promise<Selected> {
  const at = eventTime(svc.now(), body.at);
  const st = await svc.engine.state(urn);
  const hubId = hubIdOf(st.summary.hub);
  assertWrite(p, hubId, { school: urn });
  const snapshot = st.snapshot as PersistedPathway;
  // Ask the rules before reserving anything, so a refusal leaves the group as it was.
  const probe = parseEvent({ type: 'SELECTED', at, groupId: body.groupId ?? 'probe', groupSize: 1 });
  const why = whyRejected(snapshot, probe);
  if (why !== null) throw new EventRejectedError(urn, 'SELECTED', stateLabel(snapshot), why);
  if (o.expectedVersion !== undefined && o.expectedVersion !== st.version) throw new VersionConflictError(urn, o.expectedVersion, st.version);

  const partners = await partnersOf(svc, urn, st.summary, snapshot.context.groupWith ?? []);
  let group: WorkGroup;
  let notes: string[] = [];
  if (body.groupId !== undefined) {
    const g = await getGroup(svc.db, body.groupId);
    if (!g) throw new NotFoundError('work group', body.groupId, '', { kind: 'list-groups' });
    assertWrite(p, g.hub, `work group ${g.id}`);
    if (g.programmeId !== st.summary.programmeId) throw new RefusedError(`work group ${g.id} is for ${g.programmeId}, but school ${urn} applied for ${st.summary.programmeId}`);
    if (g.hub !== hubId) throw new RefusedError(`work group ${g.id} belongs to hub ${g.hub}, but school ${urn} is in ${hubId}`);
    group = g;
    const elsewhere = [];
    for (const other of await listGroups(svc.db, { hubs: [g.hub], programmeId: g.programmeId })) {
      if (other.id === g.id) continue;
      const inOther = (await placesOf(svc.db, other.id)).filter((pl) => partners.includes(pl.urn)).map((pl) => pl.urn);
      if (inOther.length) elsewhere.push(`partner school(s) ${inOther.join(', ')} are in ${other.id}, not ${g.id}`);
    }
    notes = elsewhere;
  } else {
    ({ group, notes } = await chooseGroup(svc, st.summary, partners));
  }

  await refuseGroupWithNothingLeft(svc, group, st.summary.academicYear, at);
  const reserved = await reservePlace(svc.db, { groupId: group.id, urn, addedBy: p.id, ...(o.groupVersion !== undefined ? { expectedVersion: o.groupVersion } : {}) });
  if (!reserved.ok) {
    if (reserved.why === 'no-group') throw new NotFoundError('work group', group.id);
    if (reserved.why === 'full') throw new RefusedError(`work group ${group.id} is full: ${reserved.size} of ${group.maxSchools} schools (${group.programmeId} allows up to ${group.maxSchools})`);
    throw new RefusedError(`school ${urn} already has a place in work group ${reserved.otherGroupId} for ${group.programmeId}`);
  }
  let result: SendResult;
  try {
    result = await sendToSchool(svc, p, urn, { type: 'SELECTED', at, groupId: group.id, groupSize: reserved.size }, o);
  } catch (err) {
    await releasePlace(svc.db, group.id, urn);
    throw err;
  }
  // Selected stands from here: a failure giving the dates must not give the place back.
  const dates = await giveGroupDates(svc, p, urn, group.id, at);
  return { ...result, ...(dates.version !== undefined ? { version: dates.version } : {}), groupId: group.id, groupSize: reserved.size, groupVersion: reserved.version, notes, dates };
}

/**
 * Whether a group's year is planned and all its meetings or workshops have
 * been held by `at`: a school joining then could attend none of them, and
 * its rules would ask it for none (machines/rules.ts requiredSessions), so it
 * would go straight to its evaluation having taken no part. The last of them
 * and what they are called ("meetings"), or null when the group takes
 * schools (no dates yet, or some still to come). Not pure (reads the group's sessions).
 */
export async function groupYearOver(svc: Service, group: WorkGroup, academicYear: string, at: string): Promise<{ last: string; sessionsName: string } | null> {
  const counted = (await groupSessions(svc.db, group.id, academicYear)).filter((s) => s.status !== 'cancelled' && (s.kind === 'meeting' || s.kind === 'workshop'));
  if (counted.length === 0 || counted.some((s) => Date.parse(s.at) > Date.parse(at))) return null;
  return { last: counted[counted.length - 1]!.at, sessionsName: countedSessionsName(counted.map((s) => s.kind)) };
}

/** Refuses a place in a group whose year is over (groupYearOver): the hub puts the school on the waiting list or chooses another group. Not pure. */
async function refuseGroupWithNothingLeft(svc: Service, group: WorkGroup, academicYear: string | null, at: string): Promise<void> {
  if (!academicYear) return;
  const over = await groupYearOver(svc, group, academicYear, at);
  if (!over) return;
  const name = over.sessionsName;
  throw new RefusedError(`${group.name} has held all its ${name} of ${academicYear} (the last on ${dateTime(over.last)}), so a school joining it now could attend none of them; put the school on the waiting list, or choose a group with ${name} still to come`);
}
