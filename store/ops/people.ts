/**
 * The people of a hub who lead schools (table hub_people) and the schools
 * each leads in each programme year (table leader_allocations), migration
 * 021. Not pure (database I/O).
 *
 * An allocation is reserved under a lock on the person's row, so that two
 * operators allocating at once see each other's schools in the count; the
 * count goes to the school's machine in LEADER_ALLOCATED (`load`), whose
 * guard applies the programme's load per leader. A refused event gives the
 * reservation back.
 */
import type { Db } from '../db.js';

export type LeaderRole = 'specialist' | 'readinessLead';

export interface HubPerson {
  id: string;
  /** The hub's id, e.g. "east-midlands-east". */
  hub: string;
  name: string;
  email: string;
  role: LeaderRole;
  createdAt: string;
  createdBy: string;
}

export interface Allocation {
  personId: string;
  urn: string;
  programmeId: string;
  academicYear: string;
  /** School time: the LEADER_ALLOCATED event's `at`. */
  allocatedAt: string;
  allocatedBy: string;
}

interface PersonRow {
  id: string;
  hub: string;
  name: string;
  email: string;
  role: LeaderRole;
  created_at: string | Date;
  created_by: string;
}

interface AllocationRow {
  person_id: string;
  urn: string;
  programme_id: string;
  academic_year: string;
  allocated_at: string | Date;
  allocated_by: string;
}

const iso = (v: string | Date): string => new Date(v).toISOString();

function personFromRow(r: PersonRow): HubPerson {
  return { id: r.id, hub: r.hub, name: r.name, email: r.email, role: r.role, createdAt: iso(r.created_at), createdBy: r.created_by };
}

function allocationFromRow(r: AllocationRow): Allocation {
  return { personId: r.person_id, urn: r.urn, programmeId: r.programme_id, academicYear: r.academic_year, allocatedAt: iso(r.allocated_at), allocatedBy: r.allocated_by };
}

const PERSON_COLUMNS = 'id, hub, name, email, role, created_at, created_by';
const ALLOCATION_COLUMNS = 'person_id, urn, programme_id, academic_year, allocated_at, allocated_by';

/** Adds a person; false when the id is taken. Not pure. */
export async function insertPerson(db: Db, p: { id: string; hub: string; name: string; email: string; role: LeaderRole; createdBy: string }): Promise<boolean> {
  const r = await db.query('INSERT INTO hub_people (id, hub, name, email, role, created_by) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING', [p.id, p.hub, p.name, p.email, p.role, p.createdBy]);
  return r.rowCount === 1;
}

/** One person, or null. Not pure. */
export async function getPerson(db: Db, id: string): Promise<HubPerson | null> {
  const r = await db.query<PersonRow>(`SELECT ${PERSON_COLUMNS} FROM hub_people WHERE id = $1`, [id]);
  return r.rows[0] ? personFromRow(r.rows[0]) : null;
}

/** The people of some hubs (all when `hubs` is absent), by hub, role and id. Not pure. */
export async function listPeople(db: Db, filter: { hubs?: string[]; role?: LeaderRole } = {}): Promise<HubPerson[]> {
  const r = await db.query<PersonRow>(
    `SELECT ${PERSON_COLUMNS} FROM hub_people WHERE ($1::text[] IS NULL OR hub = ANY($1)) AND ($2::text IS NULL OR role = $2) ORDER BY hub, role, id`,
    [filter.hubs ?? null, filter.role ?? null],
  );
  return r.rows.map(personFromRow);
}

/** Allocations of some people (all when absent), oldest first. Not pure. */
export async function listAllocations(db: Db, filter: { personIds?: string[]; academicYear?: string } = {}): Promise<Allocation[]> {
  const r = await db.query<AllocationRow>(
    `SELECT ${ALLOCATION_COLUMNS} FROM leader_allocations WHERE ($1::text[] IS NULL OR person_id = ANY($1)) AND ($2::text IS NULL OR academic_year = $2) ORDER BY allocated_at, urn`,
    [filter.personIds ?? null, filter.academicYear ?? null],
  );
  return r.rows.map(allocationFromRow);
}

export type ReserveAllocation =
  | { ok: true; person: HubPerson; load: number; previous: Allocation | null }
  | { ok: false; why: 'no-person' };

/**
 * Reserves `urn` for a person in a programme year (replacing the school's
 * earlier leader there), under a lock on the person's row; `load` is how
 * many schools of that programme the person then leads. Not pure.
 */
export async function reserveAllocation(db: Db, a: Omit<Allocation, 'allocatedAt'> & { allocatedAt: string }): Promise<ReserveAllocation> {
  return db.tx(async (tx) => {
    const p = await tx.query<PersonRow>(`SELECT ${PERSON_COLUMNS} FROM hub_people WHERE id = $1 FOR UPDATE`, [a.personId]);
    if (!p.rows[0]) return { ok: false, why: 'no-person' } as const;
    const prev = await tx.query<AllocationRow>(`SELECT ${ALLOCATION_COLUMNS} FROM leader_allocations WHERE programme_id = $1 AND urn = $2`, [a.programmeId, a.urn]);
    const count = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM leader_allocations WHERE person_id = $1 AND programme_id = $2 AND urn <> $3', [a.personId, a.programmeId, a.urn]);
    await tx.query(
      `INSERT INTO leader_allocations (person_id, urn, programme_id, academic_year, allocated_at, allocated_by) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (programme_id, urn) DO UPDATE SET person_id = EXCLUDED.person_id, academic_year = EXCLUDED.academic_year, allocated_at = EXCLUDED.allocated_at, allocated_by = EXCLUDED.allocated_by`,
      [a.personId, a.urn, a.programmeId, a.academicYear, a.allocatedAt, a.allocatedBy],
    );
    return { ok: true, person: personFromRow(p.rows[0]), load: (count.rows[0]?.n ?? 0) + 1, previous: prev.rows[0] ? allocationFromRow(prev.rows[0]) : null } as const;
  });
}

/** Gives a reservation back: the school's earlier allocation in that programme year, or none. Not pure. */
export async function restoreAllocation(db: Db, programmeId: string, urn: string, previous: Allocation | null): Promise<void> {
  await db.tx(async (tx) => {
    await tx.query('DELETE FROM leader_allocations WHERE programme_id = $1 AND urn = $2', [programmeId, urn]);
    if (previous) {
      await tx.query(`INSERT INTO leader_allocations (${ALLOCATION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)`, [
        previous.personId,
        previous.urn,
        previous.programmeId,
        previous.academicYear,
        previous.allocatedAt,
        previous.allocatedBy,
      ]);
    }
  });
}
