/**
 * The people of a hub who lead schools (Mastery Specialists and Readiness
 * Leads), their allocation to schools, and each school's action plan on the
 * 5 Big Ideas and Mastery Ready judgement. Every school write goes through
 * the engine as an event; the load rule (two departments per Secondary
 * Mastery Specialist, eight schools per Readiness Lead) is the machine's
 * guard, fed the count the allocation table holds. Not pure (database and
 * engine I/O).
 */
import { z } from 'zod';
import { EventRejectedError, parseOrThrow, VersionConflictError } from '../domain/errors.js';
import { LeaderRole, leaderRoleFor, PlanAims, PlanProgress, roleTitle } from '../domain/people.js';
import type { SendResult } from '../host/engine.js';
import { parseEvent, stateLabel, whyRejected, type PersistedPathway } from '../machines/decide.js';
import { Person } from '../domain/school.js';
import { getPerson, insertPerson, listAllocations, listPeople, reserveAllocation, restoreAllocation, type Allocation, type HubPerson } from '../store/ops/people.js';
import { assertRead, assertWrite, hubIdOf, readableHubs, resolveHub } from './access.js';
import type { Principal, Service } from './context.js';
import { AlreadyExistsError, NotFoundError, RefusedError } from './errors.js';
import { sendToSchool, type WriteOptions } from './schools.js';
import { eventTime } from './time.js';

export type { HubPerson, Allocation };

export const PersonInput = Person.extend({
  hub: z.string().min(1, 'must name a Maths Hub'),
  role: LeaderRole,
  /** Default: the name in lower case with dashes ("ada-lovelace"). */
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes').max(60).optional(),
});
export type PersonInput = z.input<typeof PersonInput>;

function slug(name: string): string {
  return (
    name
      .normalize('NFKD')
      .replace(/[^\w\s-]/g, '')
      .trim()
      .toLowerCase()
      .replace(/[\s_]+/g, '-')
      .replace(/-+/g, '-')
      .slice(0, 60) || 'person'
  );
}

/** Adds a Mastery Specialist or Readiness Lead to a hub. Not pure. */
export async function addPerson(svc: Service, p: Principal, input: unknown): Promise<HubPerson> {
  const x = parseOrThrow(PersonInput, input, 'person');
  const hub = resolveHub(x.hub, 'hub');
  assertWrite(p, hub.id, `the people of ${hub.name}`);
  const id = x.id ?? slug(x.name);
  if (!(await insertPerson(svc.db, { id, hub: hub.id, name: x.name, email: x.email, role: x.role, createdBy: p.id }))) {
    throw new AlreadyExistsError(`a person with id ${id} already exists: give another id`);
  }
  return (await getPerson(svc.db, id))!;
}

export interface PersonWithSchools extends HubPerson {
  title: string;
  /** The schools the person leads, by programme year. */
  allocations: Allocation[];
}

/** The people of the hubs `p` may read (or of one hub), with the schools each leads (of one year, if named). Not pure. */
export async function listHubPeople(svc: Service, p: Principal, filter: { hub?: string; academicYear?: string } = {}): Promise<PersonWithSchools[]> {
  let hubs = readableHubs(p);
  if (filter.hub !== undefined) {
    const h = resolveHub(filter.hub, 'hub');
    assertRead(p, h.id, `the people of ${h.name}`);
    hubs = [h.id];
  }
  const people = await listPeople(svc.db, hubs ? { hubs } : {});
  const allocations = people.length ? await listAllocations(svc.db, { personIds: people.map((x) => x.id), ...(filter.academicYear ? { academicYear: filter.academicYear } : {}) }) : [];
  return people.map((x) => ({ ...x, title: roleTitle(x.role, x.role === 'specialist' ? null : 'primary'), allocations: allocations.filter((a) => a.personId === x.id) }));
}

export interface Allocated extends SendResult {
  person: HubPerson;
  /** How many schools of the programme the person now leads. */
  load: number;
}

/**
 * Allocates a school to one of its hub's people for the school's current
 * programme (LEADER_ALLOCATED). The rules are asked first (role, state), the
 * place is reserved under a lock on the person, and the machine judges the
 * load; a refusal gives the place back. Not pure.
 */
export async function allocateLeader(svc: Service, p: Principal, urn: string, body: { personId: string; at?: string }, o: WriteOptions = {}): Promise<Allocated> {
  const at = eventTime(svc.now(), body.at);
  const st = await svc.engine.state(urn);
  const hubId = hubIdOf(st.summary.hub);
  assertWrite(p, hubId, { school: urn });
  const person = await getPerson(svc.db, body.personId);
  if (!person) throw new NotFoundError('person', body.personId, 'list the hub\'s people with "pathway people list"');
  if (person.hub !== hubId) throw new RefusedError(`${person.name} is one of the people of ${person.hub}, but school ${urn} is in ${hubId ?? 'no hub'}: allocate a person of the school's own hub`);
  const snapshot = st.snapshot as PersistedPathway;
  const leader = { id: person.id, name: person.name, role: person.role };
  const probe = whyRejected(snapshot, parseEvent({ type: 'LEADER_ALLOCATED', at, leader, load: 1 }));
  if (probe !== null) throw new EventRejectedError(urn, 'LEADER_ALLOCATED', stateLabel(snapshot), probe);
  if (o.expectedVersion !== undefined && o.expectedVersion !== st.version) throw new VersionConflictError(urn, o.expectedVersion, st.version);
  const programmeId = st.summary.programmeId!;
  const reserved = await reserveAllocation(svc.db, { personId: person.id, urn, programmeId, academicYear: st.summary.academicYear!, allocatedAt: at, allocatedBy: p.id });
  if (!reserved.ok) throw new NotFoundError('person', body.personId);
  try {
    const result = await sendToSchool(svc, p, urn, { type: 'LEADER_ALLOCATED', at, leader, load: reserved.load }, o);
    return { ...result, person, load: reserved.load };
  } catch (err) {
    await restoreAllocation(svc.db, programmeId, urn, reserved.previous);
    throw err;
  }
}

/**
 * Allocates the school to someone who is not among its hub's people yet: the
 * school page's way when the hub has nobody of the role (or not the right
 * person). They are added to the school's hub with the role its phase needs,
 * then allocated as allocateLeader does. The rules are asked first, so a
 * refusal adds nobody; someone of the hub with the same email address is
 * allocated rather than added twice; a name whose id is taken (in any hub)
 * gets the next free one ("sam-okafor-2"). Not pure.
 */
export async function addAndAllocateLeader(svc: Service, p: Principal, urn: string, body: { name: string; email: string; at?: string }, o: WriteOptions = {}): Promise<Allocated & { added: boolean }> {
  const at = eventTime(svc.now(), body.at);
  const who = parseOrThrow(Person, { name: body.name, email: body.email }, 'person');
  const st = await svc.engine.state(urn);
  const hubId = hubIdOf(st.summary.hub);
  assertWrite(p, hubId, { school: urn });
  const snapshot = st.snapshot as PersistedPathway;
  const role = leaderRoleFor(snapshot.context.programme?.phase ?? 'development');
  const id = slug(who.name);
  const probe = whyRejected(snapshot, parseEvent({ type: 'LEADER_ALLOCATED', at, leader: { id, name: who.name, role }, load: 1 }));
  if (probe !== null) throw new EventRejectedError(urn, 'LEADER_ALLOCATED', stateLabel(snapshot), probe);
  if (!hubId) throw new RefusedError(`school ${urn} is in no Maths Hub, so there is no hub to add ${who.name} to`);
  if (o.expectedVersion !== undefined && o.expectedVersion !== st.version) throw new VersionConflictError(urn, o.expectedVersion, st.version);
  const known = (await listPeople(svc.db, { hubs: [hubId] })).find((x) => x.email.toLowerCase() === who.email.toLowerCase());
  let personId = known?.id;
  for (let n = 1; personId === undefined && n <= 20; n++) {
    const candidate = n === 1 ? id : `${id.slice(0, 56)}-${n}`;
    if (await insertPerson(svc.db, { id: candidate, hub: hubId, name: who.name, email: who.email, role, createdBy: p.id })) personId = candidate;
  }
  if (personId === undefined) throw new AlreadyExistsError(`twenty people called ${who.name} are already in the service: add this one with an id of their own`);
  const allocated = await allocateLeader(svc, p, urn, { personId, ...(body.at !== undefined ? { at: body.at } : {}) }, o);
  return { ...allocated, added: known === undefined };
}

/** Records the school's action plan on the 5 Big Ideas, made with its leader (ACTION_PLAN_CREATED). Not pure. */
export async function createActionPlan(svc: Service, p: Principal, urn: string, body: { aims: unknown; at?: string }, o: WriteOptions = {}): Promise<SendResult> {
  const at = eventTime(svc.now(), body.at);
  const aims = parseOrThrow(PlanAims, body.aims, 'aims');
  return sendToSchool(svc, p, urn, { type: 'ACTION_PLAN_CREATED', at, aims }, o);
}

/** Records a review of the action plan at a visit (ACTION_PLAN_REVIEWED). Not pure. */
export async function reviewActionPlan(
  svc: Service,
  p: Principal,
  urn: string,
  body: { sessionId: string; progress: unknown; note?: string; at?: string },
  o: WriteOptions = {},
): Promise<SendResult> {
  const at = eventTime(svc.now(), body.at);
  const progress = parseOrThrow(PlanProgress, body.progress, 'progress');
  return sendToSchool(svc, p, urn, { type: 'ACTION_PLAN_REVIEWED', at, sessionId: body.sessionId, progress, note: body.note ?? '' }, o);
}

/** Records the Readiness year's Mastery Ready judgement (MASTERY_READY_JUDGED). Not pure. */
export async function judgeMasteryReady(svc: Service, p: Principal, urn: string, body: { ready: boolean; note?: string; at?: string }, o: WriteOptions = {}): Promise<SendResult> {
  const at = eventTime(svc.now(), body.at);
  return sendToSchool(svc, p, urn, { type: 'MASTERY_READY_JUDGED', at, ready: body.ready, note: body.note ?? '' }, o);
}
