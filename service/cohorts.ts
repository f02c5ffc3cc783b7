/**
 * Cohort transitions for a person: the scope they may move (hub staff only
 * their hub; a group only in a hub they work in), then host/cohort.ts. Not
 * pure (engine and database I/O).
 */
import { transitionCohort, type TransitionReport } from '../host/cohort.js';
import { getGroup, type WorkGroup } from '../store/ops/groups.js';
import { dateTime } from '../domain/words/dates.js';
import { assertRead, assertWrite, hubLabel, resolveHub } from './access.js';
import type { Principal, Service } from './context.js';
import { NotFoundError } from './errors.js';
import { ForbiddenError } from './errors.js';
import { eventTime } from './time.js';
import { giveGroupDates } from './schedule.js';
import { groupYearOver } from './applications.js';

export interface CohortInput {
  from: string;
  to: string;
  groupId?: string;
  hub?: string;
  dryRun?: boolean;
  /** When the move happens (ADVANCED's `at`): an ISO instant with offset, not in the future; default now. */
  at?: string;
}

/**
 * Runs (or, with dryRun, previews) a cohort transition. A dry run needs only
 * read access; a real run needs write access to the hub. Hub staff who name
 * no hub move their own hub's schools. Not pure.
 */
export async function runCohortTransition(svc: Service, p: Principal, input: CohortInput): Promise<TransitionReport> {
  const dryRun = input.dryRun ?? false;
  const at = eventTime(svc.now(), input.at);
  const check = dryRun ? assertRead : assertWrite;
  let hubId: string | undefined;
  let group: WorkGroup | null = null;
  if (input.hub !== undefined) hubId = resolveHub(input.hub, 'hub').id;
  if (input.groupId !== undefined) {
    const g = (group = await getGroup(svc.db, input.groupId));
    if (!g) throw new NotFoundError('work group', input.groupId, '', { kind: 'list-groups' });
    if (hubId !== undefined && hubId !== g.hub) throw new ForbiddenError(`work group ${g.id} belongs to ${g.hub}, not ${hubId}`);
    hubId = g.hub;
  }
  if (hubId === undefined && p.role !== 'admin') {
    if (p.hubs.length !== 1) throw new ForbiddenError(`${p.name} has several hubs (${p.hubs.join(', ')}): name one with hub`);
    hubId = p.hubs[0]!;
  }
  if (hubId !== undefined) check(p, hubId, `the schools of hub ${hubId}`);
  else if (!dryRun) assertWrite(p, null, 'every hub');
  const report = await transitionCohort(svc.engine, {
    from: input.from,
    to: input.to,
    dryRun,
    actor: p.id,
    at,
    ...(input.groupId !== undefined ? { groupId: input.groupId } : {}),
    ...(hubId !== undefined ? { hub: hubLabel(resolveHub(hubId)) } : {}),
  });
  if (!group) return report;
  // A group whose next year was planned and has held all of it: a school moved into it now could attend none of
  // those sessions and its rules would ask it for none, so they are not given (as selection refuses such a group).
  const over = await groupYearOver(svc, group, input.to, at);
  if (over) {
    const movers = dryRun ? report.counts['would move'] : report.counts.moved;
    if (movers === 0) return report;
    const name = over.sessionsName;
    const who = movers === 1 ? 'the school that moves' : 'the schools that move';
    const datesWithheld = dryRun
      ? `${group.name} has held all its ${name} of ${input.to} (the last on ${dateTime(over.last)}), so ${who} would not be given its dates: after the move, choose ${movers === 1 ? 'it' : 'them'} a group with ${name} still to come`
      : `${group.name} had held all its ${name} of ${input.to} (the last on ${dateTime(over.last)}), so ${movers === 1 ? 'the school moved was' : 'the schools moved were'} not given its dates: choose ${movers === 1 ? 'it' : 'them'} a group with ${name} still to come`;
    return { ...report, datesWithheld };
  }
  if (dryRun) return report;
  // A group moved on whole whose next year is already planned: each school that joined it now gets those dates, as a late joiner does.
  let datesGiven = 0;
  for (const row of report.rows) {
    if (row.outcome !== 'moved') continue;
    if ((await giveGroupDates(svc, p, row.urn, group.id, at)).sessions > 0) datesGiven++;
  }
  return datesGiven ? { ...report, datesGiven } : report;
}
