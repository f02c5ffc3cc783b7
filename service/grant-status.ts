/**
 * The grant of a school's current phase in words, for the headteacher's page
 * and the hub's school page alike: paid (and when), due (and what it still
 * waits for), or none (this phase has no grant, or the school is not taking
 * part). Pure.
 */
import { pounds } from '../domain/catalogue/describe.js';
import { masteryReadyNeededFor } from '../domain/catalogue/programmes.js';
import { longDate } from '../domain/words/dates.js';
import { phaseName } from '../domain/words/school-state.js';
import type { PathwayContext } from '../machines/context.js';
import { listInWords } from './event-words.js';

export interface GrantStatus {
  status: 'paid' | 'due' | 'none';
  text: string;
}

/** The grant of the current phase in words. `paidAt` is the ledger's date when it was paid. Pure. */
export function grantStatus(c: PathwayContext, status: string, paidAt: string | null): GrantStatus {
  const p = c.programme;
  if (!p) return { status: 'none', text: 'There is no grant until the school has a place.' };
  const f = p.funding;
  const notTakingPart = status === 'withdrawn' || status === 'declined' || status === 'deferred';
  if (!f) {
    const later = p.fundingLater;
    // A school that left is not promised the later phase's grant.
    if (notTakingPart && c.fundingPaidPence === 0) return { status: 'none', text: 'This phase has no grant of its own, and no grant is paid while the school is not taking part.' };
    return later
      ? {
          status: 'none',
          text: `This phase has no grant of its own. ${pounds(later.amountPence)} is paid when the school takes part in the ${phaseName(later.phase)} phase in ${later.academicYear}${
            masteryReadyNeededFor(p) === later.phase ? `, which it can do once the hub judges it Mastery Ready at the end of this year` : ''
          }.`,
        }
      : { status: 'none', text: 'This phase has no grant.' };
  }
  const to = f.recipient === 'department' ? 'the maths department' : 'the school';
  if (c.fundingPaidPence > 0) return { status: 'paid', text: `${pounds(c.fundingPaidPence)} was paid to ${to}${paidAt ? ` on ${longDate(paidAt)}` : ''}.` };
  if (notTakingPart) return { status: 'none', text: 'No grant is paid while the school is not taking part.' };
  const signed = status !== 'selected' && status !== 'applied' && status !== 'eligible' && status !== 'waitlisted';
  const firstHeld = c.sessions.some((s) => (s.kind === 'meeting' || s.kind === 'workshop') && s.status === 'held');
  const still = [signed ? null : 'the commitment is signed', firstHeld ? null : 'the first meeting is held'].filter((x): x is string => x !== null);
  return { status: 'due', text: `${pounds(f.amountPence)} will be paid to ${to} after ${still.length ? listInWords(still) : 'the first meeting is recorded'}.` };
}

