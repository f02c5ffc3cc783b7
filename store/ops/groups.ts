/**
 * Work groups, their reserved places and their scheduled sessions (tables
 * work_groups, work_group_places, group_sessions; migration 011). Not pure
 * (database I/O).
 *
 * Every change to a group bumps its `version`, which callers may pass back as
 * If-Match: a stale version changes nothing.
 */
import { parseInstant, toLondonIso } from '../../domain/calendar/london.js';
import type { Db } from '../db.js';
import { isUniqueViolation } from '../db.js';

export interface WorkGroup {
  id: string;
  name: string;
  /** The hub's id, e.g. "cambridge". */
  hub: string;
  programmeId: string;
  route: 'primary' | 'secondary';
  phase: string;
  academicYear: string;
  /** The catalogue's limit when the group was made; null: no limit. */
  maxSchools: number | null;
  lead: { name: string; email: string };
  version: number;
  createdAt: string;
  createdBy: string;
}

export interface GroupPlace {
  groupId: string;
  urn: string;
  programmeId: string;
  addedAt: string;
  addedBy: string;
}

export interface GroupSession {
  groupId: string;
  sessionId: string;
  academicYear: string;
  programmeId: string;
  kind: 'meeting' | 'workshop' | 'visit' | 'inSchoolDay';
  /** ISO instant with London's offset. */
  at: string;
  place: string;
  status: 'scheduled' | 'cancelled';
  note: string | null;
}

/** A group's version is not the one the caller expected. */
export class GroupVersionConflict extends Error {
  override readonly name = 'GroupVersionConflict';
  constructor(readonly groupId: string, readonly expected: number, readonly actual: number) {
    super(`work group ${groupId} is at version ${actual}, not ${expected}: someone else changed it; reload it and try again`);
  }
}

interface GroupRow {
  id: string;
  name: string;
  hub: string;
  programme_id: string;
  route: 'primary' | 'secondary';
  phase: string;
  academic_year: string;
  max_schools: number | null;
  lead_name: string;
  lead_email: string;
  version: number;
  created_at: string;
  created_by: string;
}

const GROUP_COLUMNS = 'id, name, hub, programme_id, route, phase, academic_year, max_schools, lead_name, lead_email, version, created_at, created_by';

function groupFromRow(r: GroupRow): WorkGroup {
  return {
    id: r.id,
    name: r.name,
    hub: r.hub,
    programmeId: r.programme_id,
    route: r.route,
    phase: r.phase,
    academicYear: r.academic_year,
    maxSchools: r.max_schools,
    lead: { name: r.lead_name, email: r.lead_email },
    version: r.version,
    createdAt: r.created_at,
    createdBy: r.created_by,
  };
}

/** Adds a group (version 1); false when the id is taken. Not pure. */
export async function insertGroup(db: Db, g: Omit<WorkGroup, 'version' | 'createdAt'>): Promise<boolean> {
  const r = await db.query(
    `INSERT INTO work_groups (id, name, hub, programme_id, route, phase, academic_year, max_schools, lead_name, lead_email, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING`,
    [g.id, g.name, g.hub, g.programmeId, g.route, g.phase, g.academicYear, g.maxSchools, g.lead.name, g.lead.email, g.createdBy],
  );
  return r.rowCount === 1;
}

/** One group, or null. Not pure. */
export async function getGroup(db: Db, id: string): Promise<WorkGroup | null> {
  const r = await db.query<GroupRow>(`SELECT ${GROUP_COLUMNS} FROM work_groups WHERE id = $1`, [id]);
  return r.rows[0] ? groupFromRow(r.rows[0]) : null;
}

/** Groups matching every given filter, by year then id. Not pure. */
export async function listGroups(db: Db, filter: { hubs?: string[]; programmeId?: string; academicYear?: string } = {}): Promise<WorkGroup[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.hubs) {
    params.push(filter.hubs);
    where.push(`hub = ANY($${params.length}::text[])`);
  }
  if (filter.programmeId) {
    params.push(filter.programmeId);
    where.push(`programme_id = $${params.length}`);
  }
  if (filter.academicYear) {
    params.push(filter.academicYear);
    where.push(`academic_year = $${params.length}`);
  }
  const r = await db.query<GroupRow>(`SELECT ${GROUP_COLUMNS} FROM work_groups${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY academic_year, id`, params);
  return r.rows.map(groupFromRow);
}

/** How many groups ids start with `prefix` (to number the next one). Not pure. */
export async function countGroupsWithPrefix(db: Db, prefix: string): Promise<number> {
  const r = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM work_groups WHERE id LIKE $1`, [`${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`]);
  return r.rows[0]?.n ?? 0;
}

/**
 * Claims the next version of a group inside `tx`: locks its row and checks
 * `expected` when given. Returns the group as it was, or null when there is
 * no such group. Throws GroupVersionConflict on a stale version. Not pure.
 */
async function lockGroup(tx: Db, id: string, expected?: number): Promise<WorkGroup | null> {
  const r = await tx.query<GroupRow>(`SELECT ${GROUP_COLUMNS} FROM work_groups WHERE id = $1 FOR UPDATE`, [id]);
  const g = r.rows[0] ? groupFromRow(r.rows[0]) : null;
  if (g && expected !== undefined && g.version !== expected) throw new GroupVersionConflict(id, expected, g.version);
  return g;
}

async function bump(tx: Db, id: string): Promise<number> {
  const r = await tx.query<{ version: number }>('UPDATE work_groups SET version = version + 1 WHERE id = $1 RETURNING version', [id]);
  return r.rows[0]!.version;
}

/**
 * Claims a group's next version before a change to its sessions: bumps it,
 * checking `expected` first, so that of two operators holding the same
 * version only one goes on. Null: no such group. Not pure.
 */
export async function touchGroup(db: Db, id: string, expected?: number): Promise<number | null> {
  return db.tx(async (tx) => ((await lockGroup(tx, id, expected)) ? bump(tx, id) : null));
}

export type ReserveResult =
  | { ok: true; group: WorkGroup; size: number; version: number }
  | { ok: false; why: 'no-group' }
  | { ok: false; why: 'full'; group: WorkGroup; size: number }
  | { ok: false; why: 'taken'; group: WorkGroup; otherGroupId: string };

/**
 * Reserves a place for `urn` in a group, within its size limit, under a lock
 * on the group's row so that concurrent reservations cannot overfill it.
 * `size` is the group's number of places once this one is taken. Not pure.
 */
export async function reservePlace(db: Db, p: { groupId: string; urn: string; addedBy: string; expectedVersion?: number }): Promise<ReserveResult> {
  return db.tx(async (tx) => {
    const group = await lockGroup(tx, p.groupId, p.expectedVersion);
    if (!group) return { ok: false, why: 'no-group' } as const;
    // A school that withdrew from this programme holds no place: its withdrawal frees it just after the event, and a
    // crash in between would leave it taken for good. Freed here, under the group's lock, before the count.
    await tx.query(
      `DELETE FROM work_group_places wp USING streams s
       WHERE wp.group_id = $1 AND s.urn = wp.urn AND s.status = 'withdrawn' AND s.programme_id = wp.programme_id`,
      [group.id],
    );
    const other = await tx.query<{ group_id: string }>('SELECT group_id FROM work_group_places WHERE programme_id = $1 AND urn = $2', [group.programmeId, p.urn]);
    if (other.rows[0] && other.rows[0].group_id !== group.id) return { ok: false, why: 'taken', group, otherGroupId: other.rows[0].group_id } as const;
    const count = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM work_group_places WHERE group_id = $1 AND urn <> $2', [group.id, p.urn]);
    const size = (count.rows[0]?.n ?? 0) + 1;
    if (group.maxSchools !== null && size > group.maxSchools) return { ok: false, why: 'full', group, size: size - 1 } as const;
    try {
      await tx.query('INSERT INTO work_group_places (group_id, urn, programme_id, added_by) VALUES ($1, $2, $3, $4) ON CONFLICT (group_id, urn) DO NOTHING', [group.id, p.urn, group.programmeId, p.addedBy]);
    } catch (err) {
      if (isUniqueViolation(err, 'work_group_places_once_per_programme')) return { ok: false, why: 'taken', group, otherGroupId: '(another group)' } as const;
      throw err;
    }
    const version = await bump(tx, group.id);
    return { ok: true, group, size, version } as const;
  });
}

/**
 * Places for many schools at once, each in the programme of its group, where
 * the school has none in that programme yet (a place already there, in this
 * group or another, is left as it is). For a simulated hub whose selections
 * were planned within the groups' sizes; hub staff go through reservePlace. Not pure.
 */
export async function insertPlaces(db: Db, places: readonly { groupId: string; urn: string; addedBy: string }[]): Promise<void> {
  await db.query(
    `INSERT INTO work_group_places (group_id, urn, programme_id, added_by)
     SELECT p.group_id, p.urn, g.programme_id, p.added_by
     FROM unnest($1::text[], $2::text[], $3::text[]) AS p (group_id, urn, added_by) JOIN work_groups g ON g.id = p.group_id
     ON CONFLICT DO NOTHING`,
    [places.map((p) => p.groupId), places.map((p) => p.urn), places.map((p) => p.addedBy)],
  );
}

/** Frees a place (a reservation whose event was refused, or a school that left). Not pure. */
export async function releasePlace(db: Db, groupId: string, urn: string): Promise<boolean> {
  return db.tx(async (tx) => {
    const r = await tx.query('DELETE FROM work_group_places WHERE group_id = $1 AND urn = $2', [groupId, urn]);
    if (r.rowCount === 1) await bump(tx, groupId);
    return r.rowCount === 1;
  });
}

/** The places of a group, oldest first. Not pure. */
export async function placesOf(db: Db, groupId: string): Promise<GroupPlace[]> {
  const r = await db.query<{ group_id: string; urn: string; programme_id: string; added_at: string; added_by: string }>(
    'SELECT group_id, urn, programme_id, added_at, added_by FROM work_group_places WHERE group_id = $1 ORDER BY added_at, urn',
    [groupId],
  );
  return r.rows.map((x) => ({ groupId: x.group_id, urn: x.urn, programmeId: x.programme_id, addedAt: x.added_at, addedBy: x.added_by }));
}

/** The place `urn` holds for a programme, if any. Not pure. */
export async function placeFor(db: Db, urn: string, programmeId: string): Promise<GroupPlace | null> {
  const r = await db.query<{ group_id: string; urn: string; programme_id: string; added_at: string; added_by: string }>(
    'SELECT group_id, urn, programme_id, added_at, added_by FROM work_group_places WHERE urn = $1 AND programme_id = $2',
    [urn, programmeId],
  );
  const x = r.rows[0];
  return x ? { groupId: x.group_id, urn: x.urn, programmeId: x.programme_id, addedAt: x.added_at, addedBy: x.added_by } : null;
}

interface SessionRow {
  group_id: string;
  session_id: string;
  academic_year: string;
  programme_id: string;
  kind: GroupSession['kind'];
  starts_at: string;
  place: string;
  status: GroupSession['status'];
  note: string | null;
}

function sessionFromRow(r: SessionRow): GroupSession {
  return {
    groupId: r.group_id,
    sessionId: r.session_id,
    academicYear: r.academic_year,
    programmeId: r.programme_id,
    kind: r.kind,
    at: toLondonIso(parseInstant(r.starts_at)),
    place: r.place,
    status: r.status,
    note: r.note,
  };
}

/**
 * Records a group's generated sessions for a year (a session id already there
 * is replaced). The caller claimed the group's version first (touchGroup). Not pure.
 */
export async function saveGroupSessions(db: Db, groupId: string, sessions: Omit<GroupSession, 'groupId' | 'status' | 'note'>[]): Promise<void> {
  await db.tx(async (tx) => {
    for (const s of sessions) {
      await tx.query(
        `INSERT INTO group_sessions (group_id, session_id, academic_year, programme_id, kind, starts_at, place)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (group_id, session_id) DO UPDATE SET academic_year = EXCLUDED.academic_year, programme_id = EXCLUDED.programme_id,
           kind = EXCLUDED.kind, starts_at = EXCLUDED.starts_at, place = EXCLUDED.place, status = 'scheduled', note = NULL`,
        [groupId, s.sessionId, s.academicYear, s.programmeId, s.kind, s.at, s.place],
      );
    }
  });
}

/** A group's sessions in time order, for one year or all. Not pure. */
export async function groupSessions(db: Db, groupId: string, academicYear?: string): Promise<GroupSession[]> {
  const r = await db.query<SessionRow>(
    `SELECT group_id, session_id, academic_year, programme_id, kind, starts_at, place, status, note FROM group_sessions
     WHERE group_id = $1${academicYear ? ' AND academic_year = $2' : ''} ORDER BY starts_at, session_id`,
    academicYear ? [groupId, academicYear] : [groupId],
  );
  return r.rows.map(sessionFromRow);
}

/** One session of a group, or null. Not pure. */
export async function groupSession(db: Db, groupId: string, sessionId: string): Promise<GroupSession | null> {
  const r = await db.query<SessionRow>(
    'SELECT group_id, session_id, academic_year, programme_id, kind, starts_at, place, status, note FROM group_sessions WHERE group_id = $1 AND session_id = $2',
    [groupId, sessionId],
  );
  return r.rows[0] ? sessionFromRow(r.rows[0]) : null;
}

/** Changes one session's time, place or status. The caller claimed the group's version first (touchGroup). Not pure. */
export async function updateGroupSession(
  db: Db,
  groupId: string,
  sessionId: string,
  change: { at?: string; place?: string; status?: GroupSession['status']; note?: string },
): Promise<void> {
  await db.query(
      `UPDATE group_sessions SET starts_at = COALESCE($3::timestamptz, starts_at), place = COALESCE($4, place), status = COALESCE($5, status), note = COALESCE($6, note)
       WHERE group_id = $1 AND session_id = $2`,
    [groupId, sessionId, change.at ?? null, change.place ?? null, change.status ?? null, change.note ?? null],
  );
}
