/**
 * A hub's correction of a school's headteacher address: stored beside the
 * school (the application is not rewritten), and every email held for want
 * of a good address queued again to the new one; on the embedded host they
 * are carried out at once, so the caller can say what became of each. Each
 * still goes only if it is in time (activities/mail/timeliness.ts). Not pure
 * (engine and database I/O).
 */
import { z } from 'zod';
import { parseOrThrow, ValidationError } from '../domain/errors.js';
import { addressProblem } from '../activities/index.js';
import { mailProblems, RESENT_SUFFIX, schoolContact, sentMessage, setSchoolContact } from '../store/messages.js';
import type { PersistedPathway } from '../machines/decide.js';
import { assertWrite, hubIdOf } from './access.js';
import type { Principal, Service } from './context.js';

/** What happened to one held email once the address was corrected. */
export interface ResentEmail {
  /** The held message's key. */
  key: string;
  template: string;
  /** 'sent': delivered to the new address; 'too-late': recorded as not sent (`note` says why); 'queued': not carried out yet (a Temporal host, or a retry pending). */
  outcome: 'sent' | 'too-late' | 'queued';
  note: string | null;
}

export interface HeadteacherCorrected {
  urn: string;
  name: string;
  email: string;
  /** False when the name and address were already these (nothing changed; held emails are still sent again). */
  changed: boolean;
  /** How many held emails were queued again. */
  requeued: number;
  resent: ResentEmail[];
}

const Input = z.strictObject({
  name: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters').optional(),
  email: z.string({ error: 'must be an email address' }).trim().pipe(z.email('must be an email address, like name@school.org.uk')),
});

/** The part of the key the store adds to a held message queued again (store/messages.ts setSchoolContact). */

/** An engine that can carry out its outbox now (the embedded one). */
function drainable(engine: unknown): engine is { drainOutbox(): Promise<unknown> } {
  return typeof (engine as { drainOutbox?: unknown }).drainOutbox === 'function';
}

/**
 * Sets school `urn`'s headteacher address to `input.email` (and name, default
 * the name already known) and sends again the emails held for it. `p` must
 * be able to change the school's hub. Throws UnknownSchoolError,
 * ForbiddenError, or ValidationError (path `email` or `name`; nothing
 * written). Not pure.
 */
export async function correctHeadteacherEmail(svc: Service, p: Principal, urn: string, input: { name?: string; email: string }): Promise<HeadteacherCorrected> {
  const st = await svc.engine.state(urn);
  assertWrite(p, hubIdOf(st.summary.hub), { school: urn });
  const body = parseOrThrow(Input, input, "the headteacher's contact");
  // An address the activities would hold again (a placeholder such as *.invalid) is refused here, before anything is written.
  const bad = addressProblem('headteacher', body.email);
  if (bad) throw new ValidationError([{ path: 'email', message: 'must be an address that can receive email, not a placeholder', value: body.email, severity: 'error' }], "the headteacher's contact");
  const known = (await schoolContact(svc.db, urn)) ?? (st.snapshot as PersistedPathway).context.school?.headteacher ?? null;
  const name = body.name ?? known?.name;
  if (!name) throw new ValidationError([{ path: 'name', message: 'is required: the school has no headteacher name on record', severity: 'error' }], "the headteacher's contact");

  const held = await mailProblems(svc.db, { urns: [urn] });
  const application = (st.snapshot as PersistedPathway).context.school?.headteacher ?? null;
  const { requeued, changed } = await setSchoolContact(svc.db, { urn, name, email: body.email, updatedBy: p.id, at: svc.now(), previous: application ? { name: application.name, email: application.email } : null });
  if (requeued > 0 && drainable(svc.engine)) await svc.engine.drainOutbox();
  const resent: ResentEmail[] = [];
  for (const h of held) {
    const m = await sentMessage(svc.db, `${h.key}${RESENT_SUFFIX}`);
    resent.push({ key: h.key, template: h.template, outcome: !m ? 'queued' : m.status === 'sent' ? 'sent' : 'too-late', note: m?.note ?? null });
  }
  return { urn, name, email: body.email, changed, requeued, resent };
}
