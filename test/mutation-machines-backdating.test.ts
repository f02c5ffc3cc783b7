/**
 * Tests added from the mutation run on machines/backdating.ts
 * (MUTATE_GROUP=machines npm run mutate -- --mutate machines/backdating.ts):
 * the whole of each refusal, and the phase words for every phase, which the
 * scenario tests (test/machines-backdating.test.ts) reach for two phases only.
 * backdated() is called straight on a context, as decide() calls it.
 */
import { describe, expect, it } from 'vitest';
import { backdated } from '../machines/backdating.js';
import type { PathwayContext } from '../machines/context.js';
import type { PathwayEvent } from '../machines/events.js';

const gapTask = (at: string) => ({ type: 'GAP_TASK_COMPLETED', at, task: 't' }) as unknown as PathwayEvent;

/** A context with only the fields backdated() reads. */
function ctx(c: { past?: { phase: string; at: string }[]; enteredAt?: string; phase?: string }): PathwayContext {
  return {
    past: (c.past ?? []).map((p) => ({ ...p, programmeId: 'p', academicYear: '2020/21', outcome: 'completed', fundingPaidPence: 0 })),
    enteredAt: c.enteredAt,
    programme: c.phase === undefined ? null : { phase: c.phase, academicYear: '2021/22' },
  } as unknown as PathwayContext;
}

describe('back-dating refusals, word for word', () => {
  it('an event before the school entered the phase it is in: the whole reason', () => {
    expect(backdated(ctx({ enteredAt: '2021-09-01T09:00:00.000Z', phase: 'development' }), gapTask('2021-08-20T09:00:00.000Z'))).toBe(
      'GAP_TASK_COMPLETED at 2021-08-20T09:00:00.000Z is before the school entered Development 2021/22 on 2021-09-01: ' +
        'an event may not be dated before the phase it is recorded in began (rule backDating)',
    );
  });

  it('an event on or after the phase began is taken; a school with no phase entered has nothing to check', () => {
    expect(backdated(ctx({ enteredAt: '2021-09-01T09:00:00.000Z', phase: 'development' }), gapTask('2021-09-01T09:00:00.000Z'))).toBeNull();
    expect(backdated(ctx({ enteredAt: '2021-09-01T09:00:00.000Z', phase: 'development' }), gapTask('2021-10-01T09:00:00.000Z'))).toBeNull();
    expect(backdated(ctx({ phase: 'development' }), gapTask('2000-01-01T09:00:00.000Z'))).toBeNull();
  });

  it.each([
    ['trg', 'the TRG pilot'],
    ['readiness', 'Readiness'],
    ['development', 'Development'],
    ['embedding', 'Embedding'],
    ['sustaining', 'Sustaining'],
  ])('names the %s phase a school has left as "%s"', (phase, words) => {
    const why = backdated(ctx({ past: [{ phase, at: '2021-07-15T12:00:00.000Z' }] }), gapTask('2021-02-20T10:00:00.000Z'));
    expect(why).toBe(
      `GAP_TASK_COMPLETED at 2021-02-20T10:00:00.000Z falls in ${words} 2020/21, which the school left on 2021-07-15 (completed): ` +
        'a phase the school has left takes no more events (rule backDating; record it with a date on or after 2021-07-15)',
    );
  });

  it.each([
    ['trg', 'the TRG pilot'],
    ['readiness', 'Readiness'],
    ['embedding', 'Embedding'],
    ['sustaining', 'Sustaining'],
  ])('names the %s phase the school is in as "%s"', (phase, words) => {
    const why = backdated(ctx({ enteredAt: '2021-09-01T09:00:00.000Z', phase }), gapTask('2021-08-20T09:00:00.000Z'));
    expect(why).toContain(`is before the school entered ${words} 2021/22 on 2021-09-01`);
  });
});
