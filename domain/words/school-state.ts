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

/** "Taking-part", " taking  part " -> "taking part": how people type a name, made comparable. Pure. */
function typed(input: string): string {
  return input.trim().toLowerCase().replace(/[\s_-]+/g, ' ');
}

function fromInput(names: Record<string, string>, input: string): string | null {
  const t = typed(input);
  for (const [name, words] of Object.entries(names)) if (t === name.toLowerCase() || t === typed(words)) return name;
  return null;
}

/** Every phase, by the name filters take ("trg"), with its words ("TRG pilot"). Pure data. */
export const PHASE_CHOICES: readonly { name: string; words: string }[] = Object.entries(PHASES).filter(([name]) => name !== 'none').map(([name, words]) => ({ name, words }));

/** Every status a school can be in, by the name filters take ("active"), with its words ("Taking part"). Pure data. */
export const STATUS_CHOICES: readonly { name: string; words: string }[] = Object.entries(STATUSES).map(([name, words]) => ({ name, words }));

/** The status someone typed, by its name ("active") or its words ("taking part", "Taking-part"); null when it is neither. Pure. */
export function statusFromInput(input: string): string | null {
  return fromInput(STATUSES, input);
}

/** The phase someone typed, by its name ("trg") or its words ("TRG pilot"); null when it is neither. Pure. */
export function phaseFromInput(input: string): string | null {
  return fromInput(PHASES, input);
}

/** A school's phase and status in words for a line of text: "Development: taking part"; "Not yet applied" before any phase. Pure. */
export function stateWords(s: { phase: string; status: string }): string {
  return s.phase === 'none' ? statusWords(s.status) : `${phaseName(s.phase)}: ${statusWords(s.status).toLowerCase()}`;
}
