/**
 * Failures typed as the SDK reads them. A worker turns an activity's thrown
 * error into a Failure with `ensureApplicationFailure` (@temporalio/common):
 * its type is `error.constructor?.name ?? error.name`, and the server retries
 * unless the failure is ApplicationFailure.nonRetryable or its type is in the
 * retry policy's nonRetryableErrorTypes. The fake (test/temporal-fake.ts) runs
 * each attempt through the SDK's own activity executor; here its typing is set
 * beside the SDK's conversion on the same errors, and beside fixed expected
 * types, and its retries (attempts counted, unlimited by default) are checked.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ActivityFailure, ApplicationFailure, ensureApplicationFailure } from '@temporalio/common';
import { FOREVER_ATTEMPTS, RetriesForEverError, fake, runAttempt } from './temporal-fake.js';
import { NON_RETRYABLE_ERROR_TYPES } from '../workflows/messages.js';
import { UnknownTemplateError } from '../activities/mail/template-errors.js';
import { EventRejectedError, UnknownSchoolError, ValidationError, VersionConflictError } from '../domain/errors.js';
import { renderMessage } from '../activities/mail/render.js';
import { TamperedSchoolError } from '../store/tamper.js';

class LooksLikeValidation extends ValidationError {}

/** Errors an activity might throw, with the type the SDK gives each (fixed, not computed). */
const cases: { what: string; error: unknown; type: string; nonRetryable: boolean }[] = [
  { what: 'UnknownTemplateError (a class)', error: new UnknownTemplateError('nope', ['selected']), type: 'UnknownTemplateError', nonRetryable: false },
  { what: 'VersionConflictError', error: new VersionConflictError('1', 2, 3), type: 'VersionConflictError', nonRetryable: false },
  { what: 'ValidationError', error: new ValidationError([{ path: 'at', message: 'must be a date', severity: 'error' }]), type: 'ValidationError', nonRetryable: false },
  { what: 'a subclass of ValidationError (its own name)', error: new LooksLikeValidation([]), type: 'LooksLikeValidation', nonRetryable: false },
  { what: 'an Error whose name only says BadEffectError', error: Object.assign(new Error('bad'), { name: 'BadEffectError' }), type: 'Error', nonRetryable: false },
  { what: 'ApplicationFailure.nonRetryable', error: ApplicationFailure.nonRetryable('no', 'Whatever'), type: 'Whatever', nonRetryable: true },
  { what: 'ApplicationFailure.retryable', error: ApplicationFailure.retryable('later', 'BadEffectError'), type: 'BadEffectError', nonRetryable: false },
  { what: 'a thrown string', error: 'boom', type: '', nonRetryable: false },
];

afterEach(() => fake.reset());

describe("the fake's failure typing is the SDK's", () => {
  it.each(cases)('$what', async ({ error, type, nonRetryable }) => {
    const r = await runAttempt(async () => {
      throw error;
    }, []);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const sdk = ensureApplicationFailure(error);
    expect({ type: r.failure.type, nonRetryable: r.failure.nonRetryable }).toEqual({ type: sdk.type ?? '', nonRetryable: Boolean(sdk.nonRetryable) });
    expect(r.failure).toMatchObject({ type, nonRetryable });
  });

  it('lists as non-retryable exactly the classes the activities and the store throw, by constructor name', () => {
    const thrown = [
      new ValidationError([]),
      new EventRejectedError('1', 'X', 's', 'why'),
      new VersionConflictError('1', 1, 2),
      new UnknownSchoolError('1'),
      new UnknownTemplateError('x', []),
      new TamperedSchoolError('1', 1, 'hash mismatch'),
    ];
    for (const e of thrown) expect(NON_RETRYABLE_ERROR_TYPES).toContain(ensureApplicationFailure(e).type);
    // BadEffectError lives in activities/index.ts; its constructor name is checked where it is thrown (temporal-engine tests).
    expect([...NON_RETRYABLE_ERROR_TYPES].sort()).toEqual(['BadEffectError', ...thrown.map((e) => e.constructor.name)].sort());
    // A send that another attempt holds the claim on must be retried, never given up.
    expect(NON_RETRYABLE_ERROR_TYPES).not.toContain('MessageBeingSentError');
  });

  it('a template lookup that finds nothing throws the typed error', () => {
    const err = (() => {
      try {
        renderMessage({ template: 'nope', urn: '1', data: {} });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(UnknownTemplateError);
    expect(ensureApplicationFailure(err).type).toBe('UnknownTemplateError');
  });
});

describe('retries as the server makes them', () => {
  const policy = { retry: { nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES] } };

  it('retries a retryable failure until it passes, and counts the attempts', async () => {
    let left = 4;
    fake.activityImpls = { flaky: async () => (left-- > 0 ? Promise.reject(new Error('ECONNRESET')) : 'done') };
    const result = fake.schedule('flaky', [], policy);
    await fake.completeActivities();
    await expect(result).resolves.toBe('done');
    expect(fake.attempts.flaky).toBe(5);
  });

  it('stops at once on a listed type, or on ApplicationFailure.nonRetryable, with the type the workflow sees', async () => {
    fake.activityImpls = {
      listed: async () => Promise.reject(new UnknownTemplateError('x', [])),
      flagged: async () => Promise.reject(ApplicationFailure.nonRetryable('stop', 'NotListed')),
    };
    const listed = fake.schedule('listed', [], policy).catch((e: unknown) => e);
    const flagged = fake.schedule('flagged', [], policy).catch((e: unknown) => e);
    await fake.completeActivities();
    for (const [p, type] of [[listed, 'UnknownTemplateError'], [flagged, 'NotListed']] as const) {
      const e = await p;
      expect(e).toBeInstanceOf(ActivityFailure);
      expect(e).toMatchObject({ retryState: 'NON_RETRYABLE_FAILURE', cause: { type } });
      expect((e as ActivityFailure).cause).toBeInstanceOf(ApplicationFailure);
    }
    expect(fake.attempts).toMatchObject({ listed: 1, flagged: 1 });
  });

  it('honours maximumAttempts', async () => {
    fake.activityImpls = { capped: async () => Promise.reject(new Error('down')) };
    const p = fake.schedule('capped', [], { retry: { maximumAttempts: 3 } }).catch((e: unknown) => e);
    await fake.completeActivities();
    expect(await p).toMatchObject({ retryState: 'MAXIMUM_ATTEMPTS_REACHED', cause: { type: 'Error', message: 'down' } });
    expect(fake.attempts.capped).toBe(3);
  });

  it('calls an activity that would retry for ever by its name instead of stopping quietly', async () => {
    fake.activityImpls = { forever: async () => Promise.reject(Object.assign(new Error('bad data'), { name: 'BadEffectError' })) };
    void fake.schedule('forever', [], policy).catch(() => undefined);
    const err = await fake.completeActivities().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetriesForEverError);
    expect((err as Error).message).toBe(
      `activity forever failed ${FOREVER_ATTEMPTS} times with type Error ("bad data"); a real worker would retry it for ever: the type is not in nonRetryableErrorTypes [${NON_RETRYABLE_ERROR_TYPES.join(', ')}] and the failure is not ApplicationFailure.nonRetryable`,
    );
    expect(fake.attempts.forever).toBe(FOREVER_ATTEMPTS);
  });
});
