/**
 * A school's commitment form, to print and sign: for hub staff from the
 * school page, for the headteacher from the school's page link (the
 * "selected" email asks them to sign it). Made from the rules the school's
 * record holds and the names on its application (domain/forms/commitment.ts).
 * Not pure (reads the engine and the group).
 */
import { commitmentForm, type CommitmentForm } from '../domain/forms/commitment.js';
import { findHub } from '../domain/catalogue/hubs.js';
import { readableGroupName } from '../domain/words/group-name.js';
import type { PathwayContext } from '../machines/context.js';
import { phaseAndStatus } from '../machines/summary.js';
import type { PersistedPathway } from '../machines/decide.js';
import { getGroup } from '../store/ops/groups.js';
import { lastOccurred } from '../store/event-log.js';
import { longDate } from '../domain/words/dates.js';
import type { Principal, Service } from './context.js';
import { RefusedError } from './errors.js';
import { schoolState } from './schools.js';
import { openSchoolLink, type OpenedLink } from './school-link-view.js';

/** Statuses in which a school has a place to commit to (or has committed). */
const HAS_A_PLACE = new Set(['selected', 'active', 'evaluating', 'overdue', 'completed']);

/** A commitment form, and the day the hub recorded it signed ("12 September 2026"), or null while it is not. */
export type FormOfSchool = { form: CommitmentForm; status: string; signedOn: string | null };

/** The form for a school's record, or why there is none yet, in words for the reader. Not pure. */
export async function commitmentFormOf(svc: Service, snapshot: PersistedPathway, urn: string): Promise<({ ok: true } & FormOfSchool) | { ok: false; why: string }> {
  const c: PathwayContext = snapshot.context;
  const { status } = phaseAndStatus(snapshot.value);
  if (!c.programme || !c.school || !HAS_A_PLACE.has(status)) return { ok: false, why: 'There is no commitment form to sign yet: the school is given one when it is offered a place in a work group.' };
  const group = c.groupId ? await getGroup(svc.db, c.groupId) : null;
  const hub = findHub(c.school.hub);
  const form = commitmentForm(
    c.programme,
    {
      urn,
      name: c.school.name,
      hub: hub?.name ?? c.school.hub,
      headteacher: c.school.headteacher.name,
      headOfDepartment: c.school.headOfDepartment?.name ?? '',
      teachers: c.teachers.map((t) => t.name),
      group: group ? readableGroupName(group.name, group.id) : null,
    },
    c.signatories,
  );
  // Signed copies are dated: the day the hub recorded the commitment (this phase's, the log's latest).
  const at = status === 'selected' ? null : await lastOccurred(svc.db, urn, 'COMMITMENT_SIGNED');
  return { ok: true, form, status, signedOn: at ? longDate(at) || null : null };
}

/** The form for hub staff and auditors of the school's hub. Throws ForbiddenError, UnknownSchoolError, RefusedError (no place yet). Not pure. */
export async function commitmentFormFor(svc: Service, p: Principal, urn: string): Promise<FormOfSchool> {
  const st = await schoolState(svc, p, urn);
  const r = await commitmentFormOf(svc, st.snapshot, urn);
  if (!r.ok) throw new RefusedError(r.why);
  return r;
}

/**
 * The form from the school's page link: what openSchoolLink refuses is
 * refused the same way (altered, expired, unknown); a school without a place
 * gets `why`. `contact` is the hub lead who takes the signed form. Not pure.
 */
export async function commitmentFormByLink(
  svc: Service,
  token: string,
): Promise<Exclude<OpenedLink, { ok: true }> | { ok: true; form: CommitmentForm | null; why: string | null; status: string; signedOn: string | null; contact: { name: string; email: string }; hub: string }> {
  const opened = await openSchoolLink(svc, token);
  if (!opened.ok) return opened;
  const st = await svc.engine.state(opened.view.urn);
  const r = await commitmentFormOf(svc, st.snapshot as PersistedPathway, opened.view.urn);
  return { ok: true, form: r.ok ? r.form : null, why: r.ok ? null : r.why, status: opened.view.status, signedOn: r.ok ? r.signedOn : null, contact: opened.view.contact, hub: opened.view.hub };
}
