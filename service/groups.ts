/**
 * Work groups: made for a catalogue programme in a hub with its lead, filled
 * by selecting schools (within the catalogue's size limit), listed with their
 * schools and sessions. Not pure (database and engine I/O).
 */
import { defaultGroupName, groupNumberOf } from '../domain/words/group-name.js';
import { programmeById } from '../domain/catalogue/programmes.js';
import { startYearOf } from '../domain/calendar/academic-year.js';
import type { SchoolSummary } from '../machines/summary.js';
import { countGroupsWithPrefix, getGroup, groupSessions, insertGroup, listGroups, placesOf, type GroupPlace, type GroupSession, type WorkGroup } from '../store/ops/groups.js';
import { assertRead, assertWrite, readableHubs, resolveHub } from './access.js';
import { selectApplication, type Selected } from './applications.js';
import type { Principal, Service } from './context.js';
import { AlreadyExistsError, NotFoundError } from './errors.js';

export interface GroupInput {
  programmeId: string;
  hub: string;
  lead: { name: string; email: string };
  /** Default: "<hub>-<phase>-<first year>-<n>", e.g. "cambridge-development-2020-1". */
  id?: string;
  name?: string;
}

/** Makes a work group for a catalogue programme, with the programme's size limit. Not pure. */
export async function createGroup(svc: Service, p: Principal, input: GroupInput): Promise<WorkGroup> {
  const hub = resolveHub(input.hub, 'hub');
  assertWrite(p, hub.id, `work groups of ${hub.name}`);
  const programme = programmeById(input.programmeId);
  const prefix = `${hub.id}-${programme.phase}-${startYearOf(programme.academicYear)}-`;
  let id = input.id;
  let n = id ? 0 : (await countGroupsWithPrefix(svc.db, prefix)) + 1;
  for (;;) {
    const candidate = id ?? `${prefix}${n}`;
    const ok = await insertGroup(svc.db, {
      id: candidate,
      name: input.name ?? defaultGroupName(programme.name, hub.name, id ? (groupNumberOf(candidate) ?? candidate) : n),
      hub: hub.id,
      programmeId: programme.id,
      route: programme.route,
      phase: programme.phase,
      academicYear: programme.academicYear,
      maxSchools: programme.group.maxSchools,
      lead: input.lead,
      createdBy: p.id,
    });
    if (ok) return (await getGroup(svc.db, candidate))!;
    if (id) throw new AlreadyExistsError(`work group ${id} already exists: choose another id, or leave it out to get one`);
    n += 1; // Another operator took this number at the same moment.
  }
}

export interface GroupDetail {
  group: WorkGroup;
  places: GroupPlace[];
  /** The schools whose current state names this group (they keep it across years). */
  schools: SchoolSummary[];
  sessions: GroupSession[];
}

/** One group with its places, schools and sessions, if `p` may see its hub. Not pure. */
export async function groupDetail(svc: Service, p: Principal, id: string): Promise<GroupDetail> {
  const group = await getGroup(svc.db, id);
  if (!group) throw new NotFoundError('work group', id, '', { kind: 'list-groups' });
  assertRead(p, group.hub, `work group ${id}`);
  const [places, schools, sessions] = await Promise.all([placesOf(svc.db, id), svc.engine.schools({ groupId: id }), groupSessions(svc.db, id)]);
  return { group, places, schools, sessions };
}

/** The groups `p` may see, with their number of places. Not pure. */
export async function listWorkGroups(
  svc: Service,
  p: Principal,
  filter: { hub?: string; programmeId?: string; academicYear?: string } = {},
): Promise<(WorkGroup & { places: number })[]> {
  let hubs = readableHubs(p);
  if (filter.hub !== undefined) {
    const h = resolveHub(filter.hub, 'hub');
    assertRead(p, h.id, `the work groups of ${h.name}`);
    hubs = [h.id];
  }
  const groups = await listGroups(svc.db, {
    ...(hubs ? { hubs } : {}),
    ...(filter.programmeId ? { programmeId: filter.programmeId } : {}),
    ...(filter.academicYear ? { academicYear: filter.academicYear } : {}),
  });
  return Promise.all(groups.map(async (g) => ({ ...g, places: (await placesOf(svc.db, g.id)).length })));
}

/** Adds a school to a group: the same as selecting its application into that group. Not pure. */
export async function addSchoolToGroup(
  svc: Service,
  p: Principal,
  groupId: string,
  body: { urn: string; at?: string },
  o: { groupVersion?: number; expectedVersion?: number } = {},
): Promise<Selected> {
  return selectApplication(svc, p, body.urn, { groupId, ...(body.at ? { at: body.at } : {}) }, o);
}
