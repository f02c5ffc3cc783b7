/**
 * `cohortTransition`: moves a work group or a year's schools to their next
 * phase (usually ADVANCED with next year's programme), one Update per school
 * through an activity, and reports each school's outcome. A refusal or an
 * unreachable school is an outcome, not a stop: the others go on. Progress is
 * workflow state, so a worker restart midway resumes where it was; a dry run
 * reads each school's state and asks the pure rules what would happen. The
 * input names the schools by URN and the programme by id (activities load it),
 * so it stays small for any cohort. Deterministic: no Node built-ins, no clock.
 */
import { ActivityFailure, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { ValidationError, rejectedMessage } from '../domain/errors.js';
import { decide, parseEvent, stateLabel, whyRejected } from '../machines/decide.js';
import { cohortProgressQuery, schoolWorkflowId, type CohortActivities, type CohortOutcome, type CohortEvent, type CohortReport, type CohortTransitionInput } from './messages.js';
import type { PathwayEvent } from '../machines/events.js';

const { loadCohortEvent, readSchoolState, sendSchoolEvent } = proxyActivities<CohortActivities>({
  startToCloseTimeout: '1 minute',
  // A school that cannot be reached after these tries is reported, not waited on forever.
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 6, nonRetryableErrorTypes: ['ValidationError'] },
});

/** Schools sent at once: small, so one slow school does not hold many Updates open. */
export const COHORT_CONCURRENCY = 4;

/** Move every listed school on; resolves with the report of all outcomes. */
export async function cohortTransition(input: CohortTransitionInput): Promise<CohortReport> {
  const actor = input.actor?.trim() || 'cohort-transition';
  const outcomes: CohortOutcome[] = [...(input.done ?? [])];
  const total = outcomes.length + input.urns.length;
  const report = (): CohortReport => ({
    from: input.from,
    to: input.to,
    groupId: input.groupId ?? null,
    dryRun: input.dryRun,
    total,
    succeeded: outcomes.filter((o) => o.ok).length,
    failed: outcomes.filter((o) => !o.ok).length,
    outcomes: [...outcomes],
  });
  setHandler(cohortProgressQuery, report);

  // The event in full, once (a dry run decides with it; a send passes the small form on).
  let event: PathwayEvent;
  try {
    event = parseEvent(await loadCohortEvent(input.event));
  } catch (err) {
    const reason = err instanceof ValidationError ? err.message : err instanceof ActivityFailure ? `the event could not be loaded: ${innermost(err)}` : null;
    if (reason === null) throw err;
    outcomes.push(...input.urns.map((urn): CohortOutcome => ({ urn, ok: false, reason })));
    return report();
  }

  const runId = workflowInfo().workflowId;
  let next = 0;
  while (next < input.urns.length) {
    if (workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof cohortTransition>({ ...input, urns: input.urns.slice(next), done: outcomes });
    }
    const batch = input.urns.slice(next, next + COHORT_CONCURRENCY);
    const results = await Promise.all(batch.map((urn) => transitionOne(urn, input.event, event, input.dryRun, actor, `${runId}:${urn}`)));
    outcomes.push(...results);
    next += batch.length;
  }
  return report();
}

async function transitionOne(urn: string, sent: CohortEvent, event: PathwayEvent, dryRun: boolean, actor: string, updateId: string): Promise<CohortOutcome> {
  try {
    if (!dryRun) return await sendSchoolEvent({ urn, event: sent, actor, updateId });
    const state = await readSchoolState(urn);
    if (state === null) return { urn, ok: false, reason: `no school with URN ${urn} (no workflow ${schoolWorkflowId(urn)})` };
    const why = whyRejected(state.snapshot, event);
    if (why !== null) return { urn, ok: false, reason: rejectedMessage(urn, event.type, stateLabel(state.snapshot), why) };
    const after = decide(state.snapshot, event).summary;
    return { urn, ok: true, phase: after.phase, status: after.status, version: null };
  } catch (err) {
    if (err instanceof ActivityFailure) return { urn, ok: false, reason: `could not reach the school's workflow: ${innermost(err)}` };
    throw err;
  }
}

function innermost(err: Error): string {
  let e: Error = err;
  while (e.cause instanceof Error) e = e.cause;
  return e.message;
}
