/**
 * Back-dating is explicit: an event's `at` may not fall in a phase the
 * school has left, nor before it entered the phase it is in. A hub recording
 * something late for a past year records it while the school is still in
 * that year's phase; once the school has moved on, the past phase is closed.
 * This keeps every history the engine writes in phase order, so a replay cut
 * at any date ends in a state the school really was in.
 *
 * Timer firings are exempt: the machine set them and the host sends them at
 * their due time, however late it runs. Replay (fold) does not apply the
 * rule: a history is replayed as it was recorded. Pure.
 */
import type { PathwayContext } from './context.js';
import { TIMER_EVENTS, type PathwayEvent } from './events.js';
import { isBefore, londonDate } from './time.js';

const PHASE_WORDS: Record<string, string> = { trg: 'the TRG pilot', readiness: 'Readiness', development: 'Development', embedding: 'Embedding', sustaining: 'Sustaining' };

/** Why the event's `at` is refused as back-dated into a phase the school has left, or null. Pure. */
export function backdated(c: PathwayContext, e: PathwayEvent): string | null {
  if (TIMER_EVENTS.includes(e.type)) return null;
  const left = c.past.at(-1);
  if (left && isBefore(e.at, left.at)) {
    return (
      `${e.type} at ${e.at} falls in ${PHASE_WORDS[left.phase] ?? left.phase} ${left.academicYear}, which the school left on ${londonDate(left.at)} (${left.outcome}): ` +
      `a phase the school has left takes no more events (rule backDating; record it with a date on or after ${londonDate(left.at)})`
    );
  }
  if (c.enteredAt && c.programme && isBefore(e.at, c.enteredAt)) {
    return (
      `${e.type} at ${e.at} is before the school entered ${PHASE_WORDS[c.programme.phase] ?? c.programme.phase} ${c.programme.academicYear} on ${londonDate(c.enteredAt)}: ` +
      `an event may not be dated before the phase it is recorded in began (rule backDating)`
    );
  }
  return null;
}
