/**
 * Reads for a hub's board, done by the database over the streams projection
 * (the schools' current summaries) so that a hub of 2,000 schools costs a few
 * small queries, not 2,000 summaries in memory: counts and filter choices in
 * one grouped query, one page of the table, what falls due in a window, the
 * overdue schools, and the grants of a year. Not pure (database reads).
 */
import type { SessionRecord } from '../machines/context.js';
import { LEFT_STATUSES } from '../machines/summary.js';
import type { Db } from './db.js';
import { statesOf } from './states.js';

// A school that withdrew or deferred keeps its scheduled sessions in the summaries written before this rule (and the
// stored ones are not rewritten): the board reads them as nothing ahead. Fixed words, never a caller's.
const LEFT_SQL = `ARRAY[${LEFT_STATUSES.map((x) => `'${x}'`).join(', ')}]`;

/** One group of the hub's schools with the same phase, status, programme, year, work group and overdue flag. */
export interface BoardFacet {
  phase: string;
  status: string;
  programmeId: string | null;
  programmeName: string | null;
  academicYear: string | null;
  groupId: string | null;
  groupName: string | null;
  overdue: boolean;
  schools: number;
}

/** The columns a board row and a facet share, as the database names them. */
interface FacetColumns {
  phase: string | null;
  status: string | null;
  programme_id: string | null;
  programme_name: string | null;
  academic_year: string | null;
  group_id: string | null;
  group_name: string | null;
  overdue: boolean;
}

/** Those columns as the board names them; a school with no phase yet is "none"/"prospective". Pure. */
function facetOf(x: FacetColumns): Omit<BoardFacet, 'schools'> {
  return {
    phase: x.phase ?? 'none',
    status: x.status ?? 'prospective',
    programmeId: x.programme_id,
    programmeName: x.programme_name,
    academicYear: x.academic_year,
    groupId: x.group_id,
    groupName: x.group_name,
    overdue: x.overdue,
  };
}

/** The hub's schools grouped by everything the board counts and filters on (tens of rows at most). Not pure. */
export async function boardFacets(db: Db, hub: string): Promise<BoardFacet[]> {
  const r = await db.query<FacetColumns & { schools: number }>(
    `SELECT s.phase, s.status, s.programme_id, s.summary->>'programmeName' AS programme_name, s.academic_year, s.group_id, g.name AS group_name, s.overdue, count(*)::int AS schools
       FROM streams s LEFT JOIN work_groups g ON g.id = s.group_id
      WHERE s.hub = $1
      GROUP BY 1, 2, 3, 4, 5, 6, 7, 8`,
    [hub],
  );
  return r.rows.map((x) => ({ ...facetOf(x), schools: Number(x.schools) }));
}

export const BOARD_SORTS = ['urn', 'name', 'phase', 'status', 'route', 'programme', 'year', 'group', 'overdue'] as const;
export type BoardSort = (typeof BOARD_SORTS)[number];

export interface BoardQuery {
  hub: string;
  /** The service's now: the "next" item of each row is the first at or after it. */
  now: string;
  phase?: string;
  status?: string;
  programmeId?: string;
  academicYear?: string;
  groupId?: string;
  overdue?: boolean;
  sort: BoardSort;
  descending: boolean;
  offset: number;
  limit: number;
  /**
   * The hub's work group ids in the order of the names the board shows
   * ("Development 2026/27, group 2"), which the caller makes from the stored
   * names; sorting by group follows it, groups not in it last.
   */
  groupOrder?: readonly string[];
}

/** A row of the board's table: one school, with the columns a facet groups by. */
export interface BoardRow extends Omit<BoardFacet, 'schools'> {
  urn: string;
  name: string | null;
  /** The next thing on the school's list, if any. */
  next: { what: string; at: string } | null;
}

// Columns by sort key; a whitelist, never the caller's text. Phases sort in pathway order; the route as the
// board shows it (from the programme, as service/board.ts routeWords); work groups by the caller's order of their
// shown names ($G, see BoardQuery.groupOrder); overdue as false < true, so "descending" puts the overdue first.
const ORDER: Record<BoardSort, string> = {
  urn: 's.urn',
  name: "lower(s.summary->>'name')",
  phase: "array_position(ARRAY['none','trg','readiness','development','embedding','sustaining'], s.phase)",
  status: 's.status',
  route: "CASE split_part(s.programme_id, '-', 1) WHEN 'primary' THEN 1 WHEN 'secondary' THEN 2 END",
  programme: "s.summary->>'programmeName'",
  year: 's.academic_year',
  group: 'array_position($G::text[], s.group_id)',
  overdue: 's.overdue',
};

/** After the sort column: the school's name A to Z (by name and URN, the column itself, both ways). Pure. */
function tieBreak(sort: BoardSort, dir: 'ASC' | 'DESC'): string {
  return sort === 'name' || sort === 'urn' ? `s.urn ${dir}` : "lower(s.summary->>'name') ASC NULLS LAST, s.urn ASC";
}

/** One page of the hub's schools, filtered and sorted, and how many match in all. Not pure. */
export async function boardPage(db: Db, q: BoardQuery): Promise<{ total: number; rows: BoardRow[] }> {
  const where: string[] = ['s.hub = $1'];
  const params: unknown[] = [q.hub];
  const eq = (column: string, value: unknown) => {
    if (value === undefined) return;
    params.push(value);
    where.push(`${column} = $${params.length}`);
  };
  eq('s.phase', q.phase);
  eq('s.status', q.status);
  eq('s.programme_id', q.programmeId);
  eq('s.academic_year', q.academicYear);
  eq('s.group_id', q.groupId);
  eq('s.overdue', q.overdue);
  const dir = q.descending ? 'DESC' : 'ASC';
  const filters = params.length;
  params.push(q.now, q.limit, q.offset);
  const [nowAt, limitAt, offsetAt, groupsAt] = [filters + 1, filters + 2, filters + 3, filters + 4];
  // Only when sorting by work group: a parameter the statement does not use has no type, and is refused.
  if (q.sort === 'group') params.push([...(q.groupOrder ?? [])]);
  const r = await db.query<FacetColumns & { urn: string; name: string | null; next: { what: string; at: string } | null; total: number }>(
    `SELECT s.urn, s.summary->>'name' AS name, s.phase, s.status, s.programme_id, s.summary->>'programmeName' AS programme_name,
            s.academic_year, s.group_id, g.name AS group_name, s.overdue, count(*) OVER () AS total,
            (SELECT u FROM jsonb_array_elements(s.summary->'upcoming') u WHERE (u->>'at')::timestamptz >= $${nowAt}::timestamptz
               AND s.status <> ALL (${LEFT_SQL})
              ORDER BY (u->>'at')::timestamptz LIMIT 1) AS next
       FROM streams s LEFT JOIN work_groups g ON g.id = s.group_id
      WHERE ${where.join(' AND ')}
      ORDER BY ${ORDER[q.sort].replace('$G', `$${groupsAt}`)} ${dir} NULLS LAST, ${tieBreak(q.sort, dir)}
      LIMIT $${limitAt} OFFSET $${offsetAt}`,
    params,
  );
  let total = Number(r.rows[0]?.total ?? 0);
  if (r.rows.length === 0 && q.offset > 0) {
    // Past the last page: the count still matters (the page says how many match).
    const c = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM streams s WHERE ${where.join(' AND ')}`, params.slice(0, filters));
    total = Number(c.rows[0]?.n ?? 0);
  }
  return {
    total,
    rows: r.rows.map((x) => ({ urn: x.urn, name: x.name, ...facetOf(x), next: x.next })),
  };
}

/** Things on the schools' lists between two instants, one row per thing and time and work group. */
export interface BoardDue {
  what: string;
  at: string;
  groupId: string | null;
  groupName: string | null;
  schools: number;
  /** How many sessions of this kind the school's year has (0 for deadlines): "Meeting 2 of 6". */
  ofKind: number;
  /** The first few schools (URN order). */
  sample: { urn: string; name: string | null }[];
}

/**
 * What the hub's schools have coming up in [from, to): the summaries'
 * `upcoming` lists, grouped so that a meeting of a work group is one row
 * however many schools it has. Earliest first, at most `limit` rows. Not pure.
 */
export async function boardDue(db: Db, hub: string, from: string, to: string, limit = 100): Promise<BoardDue[]> {
  // Grouped first; "of N" is counted afterwards, once per row, from the work group's own schedule.
  const r = await db.query<{ what: string; at: string; group_id: string | null; group_name: string | null; schools: number; of_kind: number | null; sample: { urn: string; name: string | null }[] }>(
    `SELECT d.*, g.name AS group_name,
            (SELECT count(*)::int FROM group_sessions gs WHERE gs.group_id = d.group_id AND gs.kind = split_part(d.what, ' ', 1) AND gs.status <> 'cancelled') AS of_kind
       FROM (SELECT u->>'what' AS what, u->>'at' AS at, s.group_id, count(*)::int AS schools,
                    jsonb_path_query_array(jsonb_agg(jsonb_build_object('urn', s.urn, 'name', s.summary->>'name') ORDER BY s.urn), '$[0 to 4]') AS sample
               FROM streams s
              CROSS JOIN LATERAL jsonb_array_elements(s.summary->'upcoming') u
              WHERE s.hub = $1 AND (u->>'at')::timestamptz >= $2::timestamptz AND (u->>'at')::timestamptz < $3::timestamptz
                AND s.status <> ALL (${LEFT_SQL})
              GROUP BY 1, 2, 3) d
       LEFT JOIN work_groups g ON g.id = d.group_id
      ORDER BY d.at::timestamptz, g.name, d.what
      LIMIT $4`,
    [hub, from, to, limit],
  );
  return r.rows.map((x) => ({ what: x.what, at: x.at, groupId: x.group_id, groupName: x.group_name, schools: Number(x.schools), ofKind: x.of_kind ?? 0, sample: x.sample ?? [] }));
}

/** An overdue school with what its summary says is outstanding. */
export interface BoardOverdue {
  urn: string;
  name: string | null;
  status: string;
  academicYear: string | null;
  programmeName: string | null;
  groupId: string | null;
  /** Sessions still "scheduled" (an earlier one's attendance was never recorded) and deadlines, from the summary. */
  upcoming: { what: string; at: string }[];
  /** How many sessions of each kind the school's work group has (for "Meeting 3 of 6"). */
  sessionsOfKind: Record<string, number>;
}

/** The hub's overdue schools (URN order, at most `limit`) and how many there are; summaries only, no snapshots. Not pure. */
export async function boardOverdue(db: Db, hub: string, limit = 50): Promise<{ total: number; rows: BoardOverdue[] }> {
  const [count, r] = await Promise.all([
    db.query<{ n: number }>('SELECT count(*)::int AS n FROM streams WHERE hub = $1 AND overdue', [hub]),
    db.query<{ urn: string; name: string | null; status: string | null; academic_year: string | null; programme_name: string | null; group_id: string | null; upcoming: BoardOverdue['upcoming'] | null; kinds: Record<string, number> | null }>(
      `SELECT s.urn, s.summary->>'name' AS name, s.status, s.academic_year, s.summary->>'programmeName' AS programme_name, s.group_id,
              s.summary->'upcoming' AS upcoming,
              (SELECT jsonb_object_agg(k.kind, k.n) FROM (SELECT kind, count(*) AS n FROM group_sessions gs WHERE gs.group_id = s.group_id AND gs.status <> 'cancelled' GROUP BY kind) k) AS kinds
         FROM streams s
        WHERE s.hub = $1 AND s.overdue
        ORDER BY s.urn
        LIMIT $2`,
      [hub, limit],
    ),
  ]);
  return {
    total: Number(count.rows[0]?.n ?? 0),
    rows: r.rows.map((x) => ({ urn: x.urn, name: x.name, status: x.status ?? 'overdue', academicYear: x.academic_year, programmeName: x.programme_name, groupId: x.group_id, upcoming: x.upcoming ?? [], sessionsOfKind: x.kinds ?? {} })),
  };
}

/** A school whose record holds an escalation that may still ask the hub to follow it up, with what the check needs. */
export interface BoardEscalated {
  urn: string;
  name: string | null;
  status: string;
  escalations: string[];
  sessions: SessionRecord[];
}

/**
 * The hub's schools (URN order, at most `limit`) whose current state holds
 * the escalation `key` (as machines/steps.ts names it, e.g.
 * "headteacher-first-workshop"): read from the snapshot, as the summary does
 * not carry escalations. The caller decides whether each still stands.
 * Not pure.
 */
export async function boardEscalated(db: Db, hub: string, key: string, limit = 200): Promise<BoardEscalated[]> {
  const r = await db.query<{ urn: string; name: string | null; status: string | null; escalations: string[] | null; sessions: SessionRecord[] | null }>(
    `SELECT s.urn, s.summary->>'name' AS name, s.status, s.snapshot->'context'->'escalations' AS escalations, s.snapshot->'context'->'sessions' AS sessions
       FROM streams s
      WHERE s.hub = $1 AND s.snapshot->'context'->'escalations' @> jsonb_build_array($2::text)
      ORDER BY s.urn
      LIMIT $3`,
    [hub, key, limit],
  );
  return r.rows.map((x) => ({ urn: x.urn, name: x.name, status: x.status ?? 'prospective', escalations: x.escalations ?? [], sessions: x.sessions ?? [] }));
}

export interface BoardGrants {
  /** Paid in the year, by programme. */
  paid: { programmeId: string; schools: number; pence: number }[];
  /**
   * Schools of the year whose phase may earn a grant not yet paid (the grant
   * is released once the commitment is signed and the first meeting held);
   * the caller knows each programme's amount.
   */
  unpaid: { urn: string; name: string | null; status: string; programmeId: string; programmeName: string | null }[];
}

/** Grants of the hub's schools for one academic year: paid (from the ledger) and not yet paid. Not pure. */
export async function boardGrants(db: Db, hub: string, academicYear: string): Promise<BoardGrants> {
  const [paid, unpaid] = await Promise.all([
    db.query<{ programme_id: string; schools: number; pence: string | number }>(
      `SELECT f.programme_id, count(DISTINCT f.urn)::int AS schools, sum(f.amount_pence) AS pence
         FROM funding_ledger f JOIN streams s ON s.urn = f.urn
        WHERE s.hub = $1 AND f.academic_year = $2
        GROUP BY f.programme_id
        ORDER BY f.programme_id`,
      [hub, academicYear],
    ),
    db.query<{ urn: string; name: string | null; status: string; programme_id: string; programme_name: string | null }>(
      `SELECT s.urn, s.summary->>'name' AS name, s.status, s.programme_id, s.summary->>'programmeName' AS programme_name
         FROM streams s
        WHERE s.hub = $1 AND s.academic_year = $2 AND s.programme_id IS NOT NULL
          AND s.status IN ('selected', 'active', 'evaluating', 'overdue')
          AND NOT EXISTS (SELECT 1 FROM funding_ledger f WHERE f.urn = s.urn AND f.programme_id = s.programme_id AND f.academic_year = s.academic_year)
        ORDER BY s.urn`,
      [hub, academicYear],
    ),
  ]);
  return {
    paid: paid.rows.map((x) => ({ programmeId: x.programme_id, schools: Number(x.schools), pence: Number(x.pence) })),
    unpaid: unpaid.rows.map((x) => ({ urn: x.urn, name: x.name, status: x.status, programmeId: x.programme_id, programmeName: x.programme_name })),
  };
}

/** An end-of-year evaluation a school of the hub sent, and who recorded it (a `school-link:` actor: the headteacher's page). */
export interface EvaluationReceived {
  urn: string;
  name: string;
  at: string;
  actor: string;
}

/** Evaluations the hub's schools sent in [from, to), oldest first. `hub` is the hub's label as streams hold it. Not pure. */
export async function evaluationsReceived(db: Db, hub: string, from: string, to: string): Promise<EvaluationReceived[]> {
  const r = await db.query<{ urn: string; name: string | null; occurred_at: Date | string; actor: string }>(
    `SELECT e.urn, s.summary->>'name' AS name, e.occurred_at, e.actor FROM events e JOIN streams s ON s.urn = e.urn
     WHERE e.type = 'EVALUATION_SUBMITTED' AND s.hub = $1 AND e.occurred_at >= $2::timestamptz AND e.occurred_at < $3::timestamptz
     ORDER BY e.occurred_at, e.urn`,
    [hub, from, to],
  );
  return r.rows.map((x) => ({ urn: x.urn, name: x.name ?? `School ${x.urn}`, at: new Date(x.occurred_at).toISOString(), actor: x.actor }));
}

/** School names by URN (for lists that carry only URNs). Not pure. */
export async function schoolNames(db: Db, urns: readonly string[]): Promise<Map<string, string>> {
  if (urns.length === 0) return new Map();
  const r = await db.query<{ urn: string; name: string | null }>(`SELECT urn, summary->>'name' AS name FROM streams WHERE urn = ANY($1::text[])`, [urns]);
  return new Map(r.rows.map((x) => [x.urn, x.name ?? x.urn]));
}

/** People's names by user id (for "who" on a timeline). Not pure. */
export async function personNames(db: Db, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const r = await db.query<{ id: string; name: string }>(`SELECT id, name FROM api_users WHERE id = ANY($1::text[])`, [ids]);
  return new Map(r.rows.map((x) => [x.id, x.name]));
}

/** Work group names by id. Not pure. */
export async function groupNames(db: Db, ids: readonly string[]): Promise<Map<string, GroupName>> {
  if (ids.length === 0) return new Map();
  const r = await db.query<{ id: string; name: string; phase: string; academic_year: string }>(`SELECT id, name, phase, academic_year FROM work_groups WHERE id = ANY($1::text[])`, [ids]);
  return new Map(r.rows.map((x) => [x.id, { name: x.name, phase: x.phase, academicYear: x.academic_year }]));
}

/** A work group's name, and the phase and year it was made for (a group moved on whole keeps them). */
export interface GroupName {
  name: string;
  phase: string;
  academicYear: string;
}

/** One event of a school's log as the timeline shows it (no hash check: the audit pages verify the chain). */
export interface TimelineEvent {
  version: number;
  type: string;
  payload: unknown;
  occurredAt: string;
  recordedAt: string;
  actor: string;
  machineVersion: string;
  /** The machine's state value after the event. */
  value: unknown;
}

/**
 * A school's recorded events in order, with the state value after each: an
 * old row's stored state, else the fold of the events (compact rows,
 * migration 023: store/states.ts). After an event that does not fold (a
 * changed history), the value is null. Not pure.
 */
export async function schoolEvents(db: Db, urn: string): Promise<TimelineEvent[]> {
  const { events, states } = await statesOf(db, urn);
  return events.map((x) => ({ version: x.version, type: x.type, payload: x.payload, occurredAt: new Date(x.occurredAt).toISOString(), recordedAt: new Date(x.recordedAt).toISOString(), actor: x.actor, machineVersion: x.machineVersion, value: states.get(x.version)?.value ?? null }));
}
