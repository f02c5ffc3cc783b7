/**
 * A school's phase and status as people name them ("Development", "Taking
 * part"): the pages, the headteacher's page and the messages all say it the
 * same way. Pure.
 */

const PHASES: Record<string, string> = {
  none: 'Not yet applied',
  trg: 'TRG pilot',
  readiness: 'Readiness',
  development: 'Development',
  embedding: 'Embedding',
  sustaining: 'Sustaining',
};

/** The phase as people name it ("Development"); an unknown one as given. Pure. */
export function phaseName(phase: unknown): string {
  return PHASES[String(phase)] ?? String(phase);
}

const STATUSES: Record<string, string> = {
  prospective: 'Not yet applied',
  applied: 'Application received',
  eligible: 'Eligible, awaiting a place',
  waitlisted: 'On the waiting list',
  selected: 'Selected, commitment to sign',
  active: 'Taking part',
  evaluating: 'Evaluation due',
  overdue: 'Evaluation overdue',
  completed: 'Completed',
  declined: 'Not offered a place',
  deferred: 'Deferred',
  withdrawn: 'Withdrawn',
};

/** The status as a sentence fragment ("Taking part"). Pure. */
export function statusWords(status: unknown): string {
  return STATUSES[String(status)] ?? String(status).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}
