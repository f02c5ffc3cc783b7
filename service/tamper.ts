/**
 * A tampered history stops its school (store/tamper.ts): what a reader is
 * told about a school's tamper state, and an admin's signed-off correction,
 * after which writes resume. Not pure (database I/O).
 */
import { checkStream, recordSignOff, type SignOff, type TamperState } from '../store/tamper.js';
import { ValidationError } from '../domain/errors.js';
import { assertAdmin } from './access.js';
import type { Principal, Service } from './context.js';
import { RefusedError } from './errors.js';
import { schoolState } from './schools.js';

/** The tamper flag as the school summary carries it. */
export interface TamperFlag {
  atVersion: number;
  reason: string;
}

/** The school's tamper state, checked now (its whole hash chain), if `p` may read the school. Not pure. */
export async function schoolTamper(svc: Service, p: Principal, urn: string): Promise<TamperState> {
  await schoolState(svc, p, urn);
  return checkStream(svc.db, urn);
}

/** The summary's flag from a tamper state: null when nothing is open. Pure. */
export function tamperFlag(t: TamperState): TamperFlag | null {
  return t.tampered ? { atVersion: t.tampered.atVersion, reason: t.tampered.reason } : null;
}

/**
 * An admin's signed-off correction of the school's open tamper finding,
 * recorded with the admin's id and name. Throws ForbiddenError (not an
 * admin), ValidationError (no reason), RefusedError (nothing to sign off). Not pure.
 */
export async function signOffTamper(svc: Service, p: Principal, urn: string, body: { reason: string }): Promise<SignOff> {
  assertAdmin(p, `sign off the tampered history of school ${urn}`);
  const reason = (body.reason ?? '').trim();
  if (reason.length < 10) throw new ValidationError([{ path: 'reason', message: 'must say what was found and corrected, in at least 10 characters', value: body.reason, severity: 'error' }], 'sign-off');
  await schoolState(svc, p, urn);
  const s = await recordSignOff(svc.db, { urn, by: p.id, byName: p.name, reason });
  if (!s) throw new RefusedError(`school ${urn} has no tamper finding to sign off: its history verifies and nothing is stopped`);
  return s;
}
