/**
 * What the applications pages read, beyond service/applications.ts: a page of
 * a hub's open applications with when each was made and the check of its
 * stored form (problems and warnings, re-run against the rules of the
 * programme applied for), and one application in full with the work groups it
 * could join. Permission checks are those of listApplications and
 * schoolState. Not pure (engine and database I/O).
 */
import { hubs } from '../domain/catalogue/hubs.js';
import { programmeById } from '../domain/catalogue/programmes.js';
import type { Problem } from '../domain/errors.js';
import { isFormKind, rulesFromProgramme, validateForm } from '../domain/forms/index.js';
import type { PersistedPathway } from '../machines/decide.js';
import type { SchoolSummary } from '../machines/summary.js';
import { appliedDates, formsOf, type FormCopy } from '../store/ops/application-reads.js';
import { listGroups, placesOf, type WorkGroup } from '../store/ops/groups.js';
import { hubIdOf } from './access.js';
import { listApplications, OPEN_APPLICATION_STATUSES } from './applications.js';
import type { Principal, Service } from './context.js';
import { schoolState } from './schools.js';

const KNOWN_HUB_NAMES = hubs.map((h) => h.name);

export interface CheckedForm {
  kind: string;
  submittedOn: string;
  /** The form as stored (after validation: trimmed, defaults filled). */
  form: Record<string, unknown>;
  /** Errors first, then warnings; a stored form normally has warnings only. */
  problems: Problem[];
}

export interface ApplicationRow {
  summary: SchoolSummary;
  /** When the application was made: the form's date, else the APPLY event's instant; null if unknown. */
  submitted: string | null;
  form: CheckedForm | null;
}

export interface ApplicationsPage {
  rows: ApplicationRow[];
  /** Applications matching the filters (all pages). */
  total: number;
  page: number;
  pages: number;
  /** Programmes with open applications in the hub (for the filter), with how many. */
  programmes: { id: string; name: string; count: number }[];
  /** Open applications in the hub by status, before the filters. */
  byStatus: Record<string, number>;
}

/** Checks a stored form again against the rules of the programme it applied for. Pure. */
export function checkStoredForm(copy: FormCopy): CheckedForm {
  const form = (copy.form ?? {}) as Record<string, unknown>;
  let problems: Problem[] = [];
  if (isFormKind(copy.kind)) {
    let rules;
    try {
      rules = rulesFromProgramme(copy.kind, programmeById(copy.programmeId));
    } catch {
      rules = undefined; // A programme no longer in the catalogue: the kind's own rules.
    }
    problems = validateForm(form, { ...(rules ?? {}), knownHubs: KNOWN_HUB_NAMES }).problems;
  }
  return { kind: copy.kind, submittedOn: copy.submittedOn, form, problems };
}

/**
 * One page of the open applications of `hub` (applied, eligible, waitlisted),
 * filtered by status and programme, in URN or name order. Not pure.
 */
export async function applicationsPage(
  svc: Service,
  p: Principal,
  o: { hub: string; status?: string; programmeId?: string; sort?: 'urn' | 'name'; page?: number; perPage?: number },
): Promise<ApplicationsPage> {
  const all = await listApplications(svc, p, { hub: o.hub });
  const byStatus: Record<string, number> = Object.fromEntries(OPEN_APPLICATION_STATUSES.map((s) => [s, 0]));
  const programmes = new Map<string, { id: string; name: string; count: number }>();
  for (const s of all) {
    byStatus[s.status] = (byStatus[s.status] ?? 0) + 1;
    if (s.programmeId) {
      const entry = programmes.get(s.programmeId) ?? { id: s.programmeId, name: s.programmeName ?? s.programmeId, count: 0 };
      entry.count += 1;
      programmes.set(s.programmeId, entry);
    }
  }
  let chosen = all.filter((s) => (!o.status || s.status === o.status) && (!o.programmeId || s.programmeId === o.programmeId));
  if (o.sort === 'name') chosen = [...chosen].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '', 'en-GB') || a.urn.localeCompare(b.urn));
  const perPage = o.perPage ?? 50;
  const pages = Math.max(1, Math.ceil(chosen.length / perPage));
  const page = Math.min(Math.max(1, o.page ?? 1), pages);
  const slice = chosen.slice((page - 1) * perPage, page * perPage);
  const [dates, forms] = await Promise.all([
    appliedDates(svc.db, slice.map((s) => s.urn)),
    formsOf(svc.db, slice.filter((s) => s.programmeId).map((s) => ({ urn: s.urn, programmeId: s.programmeId! }))),
  ]);
  const rows = slice.map((s) => {
    const copy = s.programmeId ? forms.get(`${s.urn} ${s.programmeId}`) : undefined;
    const form = copy ? checkStoredForm(copy) : null;
    return { summary: s, submitted: form?.submittedOn ?? dates.get(s.urn) ?? null, form };
  });
  return { rows, total: chosen.length, page, pages, programmes: [...programmes.values()].sort((a, b) => a.name.localeCompare(b.name)), byStatus };
}

export interface GroupChoice {
  group: WorkGroup;
  places: number;
  full: boolean;
}

export interface ApplicationDetail {
  urn: string;
  version: number;
  summary: SchoolSummary;
  snapshot: PersistedPathway;
  submitted: string | null;
  form: CheckedForm | null;
  /** The criteria the school claimed on its form (programme ids), if any. */
  claimed: string[];
  /** The programme's eligibility rule, when it has one. */
  eligibility: { atLeast: number; criteria: { id: string; label: string }[] } | null;
  /** The hub's work groups of the programme applied for, with places taken. */
  groups: GroupChoice[];
}

/** One application in full, if `p` may read the school. Throws UnknownSchoolError or ForbiddenError. Not pure. */
export async function applicationDetail(svc: Service, p: Principal, urn: string): Promise<ApplicationDetail> {
  const st = await schoolState(svc, p, urn);
  const programmeId = st.summary.programmeId;
  const hubId = hubIdOf(st.summary.hub);
  const [dates, forms, groups] = await Promise.all([
    appliedDates(svc.db, [urn]),
    programmeId ? formsOf(svc.db, [{ urn, programmeId }]) : Promise.resolve(new Map<string, FormCopy>()),
    programmeId && hubId ? listGroups(svc.db, { hubs: [hubId], programmeId }) : Promise.resolve([] as WorkGroup[]),
  ]);
  const copy = programmeId ? forms.get(`${urn} ${programmeId}`) : undefined;
  const form = copy ? checkStoredForm(copy) : null;
  const claimedRaw = (form?.form as { eligibility?: { criteria?: unknown } } | undefined)?.eligibility?.criteria;
  const claimed = Array.isArray(claimedRaw) ? claimedRaw.filter((c): c is string => typeof c === 'string') : [];
  const el = st.snapshot.context.programme?.eligibility ?? null;
  const choices = await Promise.all(
    groups.map(async (g) => {
      const places = (await placesOf(svc.db, g.id)).length;
      return { group: g, places, full: g.maxSchools !== null && places >= g.maxSchools };
    }),
  );
  return {
    urn,
    version: st.version,
    summary: st.summary,
    snapshot: st.snapshot,
    submitted: form?.submittedOn ?? dates.get(urn) ?? null,
    form,
    claimed,
    eligibility: el ? { atLeast: el.atLeast, criteria: el.criteria.map((c) => ({ id: c.id, label: c.label })) } : null,
    groups: choices,
  };
}
