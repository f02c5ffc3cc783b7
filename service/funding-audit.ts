/**
 * The funding conformance audit: every payment of the ledger checked against
 * the rules the school was under when it was paid (the programme as recorded
 * in its history when it entered the phase: the amount for its route and
 * phase, with the seed it comes from; the commitment signed and the first
 * meeting held before the payment; paid in its academic year; once per
 * school, programme and year; released by an event of the history), and
 * every school whose history shows it entitled to a grant the ledger never
 * paid. Each finding names the school, the rule in words with its seed, and
 * the evidence (event versions and payment references).
 *
 * Three set-based reads (the ledger; the payloads of the six event types
 * that bear on a grant; the stored states of the events that released one),
 * then a fold in memory: no replay of any school. Not pure (database I/O) but for the functions marked pure.
 */
import { academicYearOf } from '../domain/calendar/academic-year.js';
import { londonDateOf } from '../domain/calendar/london.js';
import { findHub } from '../domain/catalogue/hubs.js';
import { catalogue } from '../domain/catalogue/programmes.js';
import type { Db } from '../store/db.js';
import { statesOf } from '../store/states.js';
import { showsGrantPaid } from '../store/ledger.js';
import { hubLabel, readableHubs, resolveHub, assertRead } from './access.js';
import type { Principal, Service } from './context.js';
import { csvCell } from '../domain/words/csv.js';
import { ledgerYear } from './ledger.js';

/** The rules a payment is checked against. */
export const FUNDING_RULES = {
  amount: 'amount for the route and phase',
  commitment: 'commitment signed first',
  firstMeeting: 'first meeting held first',
  academicYear: 'paid in its academic year',
  once: 'once per school, programme and year',
  released: 'released by an event of the history',
  entitled: 'every entitled school paid',
} as const;
export type FundingRule = keyof typeof FUNDING_RULES;

export interface EvidenceEvent {
  version: number;
  type: string;
  occurredAt: string;
  /** What this event shows, e.g. "commitment signed". */
  shows: string;
}

export interface FundingFinding {
  rule: FundingRule;
  urn: string;
  school: string;
  hub: string;
  programmeId: string;
  programme: string;
  academicYear: string;
  /** The payment's reference (its ledger key); null for a school not paid. */
  payment: string | null;
  /** The rule in words, with the seed it comes from. */
  ruleText: string;
  /** What is wrong, in words. */
  problem: string;
  /** The events of the school's history that show it, by version. */
  events: EvidenceEvent[];
  /** Other payments involved (a second payment of the same grant). */
  payments: string[];
}

export interface FundingAudit {
  filter: { hub: string | null; year: string | null };
  /** How many payments and schools were looked at. */
  payments: number;
  schools: number;
  /** How many school-programme-years the history shows entitled to a grant. */
  entitled: number;
  findings: FundingFinding[];
  clean: boolean;
}

interface ProgrammeRules {
  id: string;
  name: string;
  academicYear: string;
  route?: string;
  phase?: string;
  funding: { amountPence: number; recipient?: string; purpose?: string; source?: string[] } | null;
}

/** The facts of one school in one programme-year, from its history. */
export interface ProgrammeFacts {
  urn: string;
  programmeId: string;
  academicYear: string;
  /** The programme as recorded when the school entered it (null: not found in the history). */
  rules: ProgrammeRules | null;
  entered: EvidenceEvent | null;
  commitment: EvidenceEvent | null;
  firstMeeting: EvidenceEvent | null;
  /** The first event whose stored state shows the grant paid. */
  released: EvidenceEvent | null;
}

export interface LedgerFact {
  key: string;
  urn: string;
  programmeId: string;
  academicYear: string;
  amountPence: number;
  paidAt: string;
  releasedByVersion: number | null;
}

export interface SchoolFact {
  urn: string;
  name: string;
  hub: string;
}

const byId = new Map(catalogue.map((p) => [p.id, p]));

/** "£2,000" from pence. Pure. */
function money(pence: number): string {
  return `£${(pence / 100).toLocaleString('en-GB', { minimumFractionDigits: pence % 100 === 0 ? 0 : 2, maximumFractionDigits: 2 })}`;
}

/** "seed 000", "seeds 001 and 003", "the Maths Hubs web pages". Pure. */
export function seedWords(sources: readonly string[] | undefined): string {
  const seeds = (sources ?? []).filter((s) => s !== 'web');
  const parts: string[] = [];
  if (seeds.length) parts.push(`${seeds.length === 1 ? 'seed' : 'seeds'} ${seeds.length === 1 ? seeds[0] : `${seeds.slice(0, -1).join(', ')} and ${seeds[seeds.length - 1]}`}`);
  if ((sources ?? []).includes('web')) parts.push('the Maths Hubs web pages');
  return parts.length ? parts.join(' and ') : 'no seed document';
}

const key3 = (urn: string, programmeId: string, year: string) => `${urn}\u0000${programmeId}\u0000${year}`;

/** The programme's grant rule in words, naming its seed. Pure. */
export function grantRule(r: ProgrammeRules): string {
  if (!r.funding || r.funding.amountPence <= 0) return `${r.name} (${r.academicYear}) pays no grant`;
  const per = r.funding.recipient === 'department' ? ' per department' : r.funding.recipient === 'school' ? ' per school' : '';
  return `${r.name} (${r.academicYear}) pays ${money(r.funding.amountPence)}${per} (${seedWords(r.funding.source)}), once the commitment is signed and the first meeting held`;
}

function catalogueRules(programmeId: string): ProgrammeRules | null {
  const p = byId.get(programmeId);
  return p ? { id: p.id, name: p.name, academicYear: p.academicYear, route: p.route, phase: p.phase, funding: p.funding } : null;
}

/** The London school date of an instant: 23:30 UTC on 31 March is 1 April in London in summer time. */
const when = (at: string) => londonDateOf(at);

/**
 * The findings for these payments and these school facts. `schools` names
 * the schools in scope; a payment or a fact of another school is not
 * looked at. Pure.
 */
export function fundingFindings(ledger: readonly LedgerFact[], facts: readonly ProgrammeFacts[], schools: ReadonlyMap<string, SchoolFact>, year: string | null = null): FundingFinding[] {
  const findings: FundingFinding[] = [];
  const factsBy = new Map(facts.map((f) => [key3(f.urn, f.programmeId, f.academicYear), f]));
  const inScope = (urn: string, y: string) => schools.has(urn) && (year === null || y === year);
  const paidBy = new Map<string, LedgerFact[]>();
  for (const p of ledger) {
    if (!inScope(p.urn, p.academicYear)) continue;
    const k = key3(p.urn, p.programmeId, p.academicYear);
    paidBy.set(k, [...(paidBy.get(k) ?? []), p]);
  }
  for (const [k, paid] of paidBy) {
    const first = paid[0]!;
    const school = schools.get(first.urn)!;
    const f = factsBy.get(k);
    const rules = f?.rules ?? catalogueRules(first.programmeId);
    const base = {
      urn: first.urn,
      school: school.name,
      hub: school.hub,
      programmeId: first.programmeId,
      programme: rules?.name ?? first.programmeId,
      academicYear: first.academicYear,
    };
    const rulesText = rules ? grantRule(rules) : `the catalogue has no programme ${first.programmeId}`;
    const ordered = [...paid].sort((a, b) => (a.paidAt < b.paidAt ? -1 : a.paidAt > b.paidAt ? 1 : a.key < b.key ? -1 : 1));
    if (ordered.length > 1) {
      findings.push({
        ...base,
        rule: 'once',
        payment: ordered[1]!.key,
        ruleText: `${FUNDING_RULES.once}: a school’s grant for a programme and year is paid once (${rules ? seedWords(rules.funding?.source) : 'the catalogue'})`,
        problem: `paid ${ordered.length} times: ${ordered.map((p) => `${money(p.amountPence)} on ${when(p.paidAt)} (${p.key})`).join(', ')}`,
        events: f?.released ? [f.released] : [],
        payments: ordered.map((p) => p.key),
      });
    }
    for (const p of ordered) {
      const one = (rule: FundingRule, ruleText: string, problem: string, events: (EvidenceEvent | null | undefined)[]) =>
        findings.push({ ...base, rule, payment: p.key, ruleText, problem, events: events.filter((e): e is EvidenceEvent => !!e), payments: [p.key] });
      const expected = rules?.funding?.amountPence ?? 0;
      if (!rules || expected <= 0 || p.amountPence !== expected) {
        one('amount', `${FUNDING_RULES.amount}: ${rulesText}`, !rules ? `paid ${money(p.amountPence)} for a programme the catalogue does not have` : expected <= 0 ? `paid ${money(p.amountPence)} although the programme pays no grant` : `paid ${money(p.amountPence)}, not ${money(expected)}`, [f?.entered]);
      }
      if (!f?.commitment) one('commitment', `${FUNDING_RULES.commitment}: ${rulesText}`, `paid on ${when(p.paidAt)} but the history has no signed commitment for ${base.programme} ${base.academicYear}`, [f?.entered]);
      else if (f.commitment.occurredAt > p.paidAt) one('commitment', `${FUNDING_RULES.commitment}: ${rulesText}`, `paid on ${when(p.paidAt)}, before the commitment was signed on ${when(f.commitment.occurredAt)}`, [f.commitment]);
      if (!f?.firstMeeting) one('firstMeeting', `${FUNDING_RULES.firstMeeting}: ${rulesText}`, `paid on ${when(p.paidAt)} but the history shows no meeting held for ${base.programme} ${base.academicYear}`, [f?.entered, f?.commitment]);
      else if (f.firstMeeting.occurredAt > p.paidAt) one('firstMeeting', `${FUNDING_RULES.firstMeeting}: ${rulesText}`, `paid on ${when(p.paidAt)}, before the first meeting was held on ${when(f.firstMeeting.occurredAt)}`, [f.firstMeeting]);
      const paidIn = academicYearOf(p.paidAt);
      if (paidIn !== p.academicYear || (rules && rules.academicYear !== p.academicYear)) {
        one(
          'academicYear',
          `${FUNDING_RULES.academicYear}: a grant for ${p.academicYear} is paid between 1 September and 31 August of that year, for that year’s programme`,
          paidIn !== p.academicYear ? `paid on ${when(p.paidAt)}, in ${paidIn}, for ${p.academicYear}` : `recorded for ${p.academicYear} but the programme is of ${rules!.academicYear}`,
          [f?.released],
        );
      }
      if (!f?.released) {
        one('released', `${FUNDING_RULES.released}: a payment is made when an event of the school’s history releases the grant`, `no event of the school’s history shows this grant released`, [f?.entered, f?.commitment, f?.firstMeeting]);
      }
    }
  }
  for (const f of facts) {
    if (!inScope(f.urn, f.academicYear)) continue;
    const k = key3(f.urn, f.programmeId, f.academicYear);
    if (paidBy.has(k)) continue;
    const rules = f.rules ?? catalogueRules(f.programmeId);
    const amount = rules?.funding?.amountPence ?? 0;
    if (amount <= 0 || !f.commitment || !f.firstMeeting) continue;
    const school = schools.get(f.urn)!;
    findings.push({
      rule: 'entitled',
      urn: f.urn,
      school: school.name,
      hub: school.hub,
      programmeId: f.programmeId,
      programme: rules?.name ?? f.programmeId,
      academicYear: f.academicYear,
      payment: null,
      ruleText: `${FUNDING_RULES.entitled}: ${grantRule(rules!)}`,
      problem: `entitled to ${money(amount)} since ${when(f.firstMeeting.occurredAt > f.commitment.occurredAt ? f.firstMeeting.occurredAt : f.commitment.occurredAt)}, but the ledger holds no payment${f.released ? ` (the school’s record says it was paid at event ${f.released.version})` : ''}`,
      events: [f.commitment, f.firstMeeting, ...(f.released ? [f.released] : [])],
      payments: [],
    });
  }
  const order: FundingRule[] = ['once', 'amount', 'commitment', 'firstMeeting', 'academicYear', 'released', 'entitled'];
  return findings.sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : a.academicYear < b.academicYear ? -1 : a.academicYear > b.academicYear ? 1 : order.indexOf(a.rule) - order.indexOf(b.rule)));
}

interface FactRow {
  urn: string;
  version: number;
  type: string;
  occurred_at: string | Date;
  programme: ProgrammeRules | null;
  signed: number | null;
  session_id: string | null;
  teachers_present: number | null;
  kinds: [string, string][] | null;
}

const iso = (v: string | Date) => (v instanceof Date ? v.toISOString() : new Date(v).toISOString());

/** Sessions that count as a meeting (machines/rules.ts countedSessions). */
const COUNTED_KINDS = new Set(['meeting', 'workshop']);

/**
 * The audit's facts per school, programme and year, folded in version order
 * from one read of the payloads of the events that can change them: entering
 * a phase (the programme with its grant rule, as recorded then), signing the
 * commitment, the schedule (which sessions are meetings), attendance (a
 * meeting is held when a teacher came, as the machine counts it). Payloads
 * are small; the stored states are read only for the events that released
 * a grant (releasedEvents). Not pure.
 */
export async function programmeFacts(db: Db, hubs: readonly string[] | null): Promise<ProgrammeFacts[]> {
  const r = await db.query<FactRow>(
    `SELECT e.urn, e.version, e.type, e.occurred_at,
            CASE WHEN e.type IN ('APPLY', 'RESUMED', 'ADVANCED')
                 THEN jsonb_build_object('id', p->'id', 'name', p->'name', 'academicYear', p->'academicYear', 'route', p->'route', 'phase', p->'phase', 'funding', p->'funding')
            END AS programme,
            CASE WHEN e.type = 'COMMITMENT_SIGNED' THEN jsonb_array_length(e.payload->'signatories') END AS signed,
            CASE WHEN e.type = 'ATTENDANCE_RECORDED' THEN e.payload->>'sessionId' END AS session_id,
            CASE WHEN e.type = 'ATTENDANCE_RECORDED' THEN (e.payload->>'teachersPresent')::int END AS teachers_present,
            CASE WHEN e.type = 'SCHEDULE_SET'
                 THEN (SELECT jsonb_agg(jsonb_build_array(x->>'id', x->>'kind')) FROM jsonb_array_elements(e.payload->'sessions') x)
            END AS kinds
       FROM events e
       -- The programme's rules: an event written since migration 022 refers to them (store/rules.ts), an older one carries a copy.
       CROSS JOIN LATERAL (
         SELECT coalesce((SELECT r.body FROM rules r WHERE r.hash = e.payload->'programme'->>'rulesHash'), e.payload->'programme') AS p
       ) prog
      WHERE e.type IN ('APPLY', 'RESUMED', 'ADVANCED', 'COMMITMENT_SIGNED', 'SCHEDULE_SET', 'ATTENDANCE_RECORDED')
        AND ($1::text[] IS NULL OR e.urn IN (SELECT urn FROM streams WHERE hub = ANY($1::text[])))
      ORDER BY e.urn, e.version`,
    [hubs ? [...hubs] : null],
  );
  const out: ProgrammeFacts[] = [];
  let urn = '';
  let current: ProgrammeFacts | null = null;
  let kinds = new Map<string, string>();
  for (const row of r.rows) {
    if (row.urn !== urn) {
      urn = row.urn;
      current = null;
      kinds = new Map();
    }
    const ev = (shows: string): EvidenceEvent => ({ version: row.version, type: row.type, occurredAt: iso(row.occurred_at), shows });
    if (row.programme && row.programme.id) {
      const same = current && current.programmeId === row.programme.id && current.academicYear === row.programme.academicYear;
      // A school that resumes the same programme and year keeps what it had done in it.
      if (!same) {
        current = { urn, programmeId: row.programme.id, academicYear: row.programme.academicYear, rules: row.programme, entered: ev(`entered ${row.programme.name}`), commitment: null, firstMeeting: null, released: null };
        out.push(current);
        kinds = new Map();
      }
      continue;
    }
    if (!current) continue;
    if (row.type === 'COMMITMENT_SIGNED' && !current.commitment && Number(row.signed) > 0) current.commitment = ev('commitment signed');
    else if (row.type === 'SCHEDULE_SET') kinds = new Map((row.kinds ?? []).map(([id, kind]) => [id, kind]));
    else if (row.type === 'ATTENDANCE_RECORDED' && !current.firstMeeting && Number(row.teachers_present) > 0 && COUNTED_KINDS.has(kinds.get(row.session_id ?? '') ?? '')) current.firstMeeting = ev('first meeting held');
  }
  return out;
}

/**
 * The event that released each programme-year's grant, read from the
 * school's states: the ledger's released_by_version when the school's state
 * there shows that grant paid, else (rows from before it was recorded, or a
 * school the ledger never paid) the first event whose state shows it. An
 * old row's stored state is read in SQL; a school whose events are compact
 * (migration 023) has its history folded (store/states.ts). Not pure.
 */
export async function releasedEvents(db: Db, wanted: readonly { urn: string; programmeId: string; academicYear: string; version: number | null }[]): Promise<Map<string, EvidenceEvent>> {
  const out = new Map<string, EvidenceEvent>();
  if (wanted.length === 0) return out;
  const r = await db.query<{ urn: string; programme_id: string; academic_year: string; version: number; type: string; occurred_at: string | Date }>(
    `SELECT w.urn, w.programme_id, w.academic_year, e.version, e.type, e.occurred_at
       FROM unnest($1::text[], $2::text[], $3::text[], $4::int[]) AS w(urn, programme_id, academic_year, version)
       JOIN LATERAL (
         SELECT version, type, occurred_at FROM events
          WHERE events.urn = w.urn
            AND (w.version IS NULL OR events.version = w.version)
            AND events.state->'context'->'programme'->>'id' = w.programme_id
            AND events.state->'context'->'programme'->>'academicYear' = w.academic_year
            AND coalesce((events.state->'context'->>'fundingPaidPence')::bigint, 0) > 0
          ORDER BY version
          LIMIT 1
       ) e ON true`,
    [wanted.map((w) => w.urn), wanted.map((w) => w.programmeId), wanted.map((w) => w.academicYear), wanted.map((w) => w.version)],
  );
  for (const x of r.rows) out.set(key3(x.urn, x.programme_id, x.academic_year), { version: x.version, type: x.type, occurredAt: iso(x.occurred_at), shows: 'grant released' });
  // Events written since migration 023 store no state: fold those schools' histories (each once) and look there.
  const unfound = wanted.filter((w) => !out.has(key3(w.urn, w.programmeId, w.academicYear)));
  for (const urn of new Set(unfound.map((w) => w.urn))) {
    const { events, states } = await statesOf(db, urn);
    for (const w of unfound.filter((x) => x.urn === urn)) {
      const shows = (v: number) => { const st = states.get(v); return st !== undefined && showsGrantPaid(st, w.programmeId, w.academicYear); };
      // The version the ledger recorded when its state shows the grant, else the first that does.
      const e = (w.version !== null ? events.find((x) => x.version === w.version && shows(x.version)) : undefined) ?? events.find((x) => shows(x.version));
      if (e) out.set(key3(w.urn, w.programmeId, w.academicYear), { version: e.version, type: e.type, occurredAt: iso(e.occurredAt), shows: 'grant released' });
    }
  }
  return out;
}

/** The ledger's payments of schools in these hubs (all hubs: null). Not pure. */
async function ledgerFacts(db: Db, hubs: readonly string[] | null): Promise<{ ledger: LedgerFact[]; schools: Map<string, SchoolFact> }> {
  const [paid, streams] = await Promise.all([
    db.query<{ key: string; urn: string; programme_id: string; academic_year: string; amount_pence: number; paid_at: string | Date; released_by_version: number | null }>(
      `SELECT key, urn, programme_id, academic_year, amount_pence, paid_at, released_by_version FROM funding_ledger
        WHERE $1::text[] IS NULL OR urn IN (SELECT urn FROM streams WHERE hub = ANY($1::text[]))
        ORDER BY paid_at, key`,
      [hubs ? [...hubs] : null],
    ),
    db.query<{ urn: string; name: string | null; hub: string | null }>(`SELECT urn, summary->>'name' AS name, hub FROM streams WHERE $1::text[] IS NULL OR hub = ANY($1::text[])`, [hubs ? [...hubs] : null]),
  ]);
  const schools = new Map(streams.rows.map((s) => [s.urn, { urn: s.urn, name: s.name ?? `School ${s.urn}`, hub: s.hub ?? '' }]));
  const ledger = paid.rows.map((p) => ({ key: p.key, urn: p.urn, programmeId: p.programme_id, academicYear: p.academic_year, amountPence: p.amount_pence, paidAt: iso(p.paid_at), releasedByVersion: p.released_by_version }));
  // A payment to a school with no stream at all is still audited: it names the URN.
  for (const p of ledger) if (!schools.has(p.urn) && hubs === null) schools.set(p.urn, { urn: p.urn, name: `unknown school ${p.urn}`, hub: '' });
  return { ledger, schools };
}

export interface FundingAuditFilter {
  hub?: string;
  year?: string;
}

/** The audit of every payment and every entitled school of the hubs `p` may read (narrowed by the filter). Not pure. */
export async function fundingAudit(svc: Service, p: Principal, filter: FundingAuditFilter = {}): Promise<FundingAudit> {
  const year = filter.year === undefined ? null : ledgerYear(filter.year);
  let hubIds = readableHubs(p);
  if (filter.hub !== undefined) {
    const h = resolveHub(filter.hub, 'hub');
    assertRead(p, h.id, `the funding of ${h.name}`);
    hubIds = [h.id];
  }
  // Schools carry the hub's label ("East Midlands East"); a filter by id reads those.
  const labels = hubIds === null ? null : hubIds.map((id) => hubLabel(findHub(id) ?? resolveHub(id)));
  const [{ ledger, schools }, facts] = await Promise.all([ledgerFacts(svc.db, labels), programmeFacts(svc.db, labels)]);
  // The releasing events: of every payment (by the version the ledger recorded), and of every entitled programme-year the ledger never paid.
  const paidKeys = new Set(ledger.map((p) => key3(p.urn, p.programmeId, p.academicYear)));
  const wanted = [
    ...new Map(ledger.map((p) => [key3(p.urn, p.programmeId, p.academicYear), { urn: p.urn, programmeId: p.programmeId, academicYear: p.academicYear, version: p.releasedByVersion }])).values(),
    ...facts.filter((f) => !paidKeys.has(key3(f.urn, f.programmeId, f.academicYear)) && f.commitment && f.firstMeeting && (f.rules?.funding?.amountPence ?? 0) > 0).map((f) => ({ urn: f.urn, programmeId: f.programmeId, academicYear: f.academicYear, version: null })),
  ];
  const released = await releasedEvents(svc.db, wanted);
  for (const f of facts) f.released = released.get(key3(f.urn, f.programmeId, f.academicYear)) ?? null;
  const findings = fundingFindings(ledger, facts, schools, year);
  const scoped = (y: string) => year === null || y === year;
  const entitled = facts.filter((f) => scoped(f.academicYear) && (f.rules ?? catalogueRules(f.programmeId))?.funding?.amountPence && f.commitment && f.firstMeeting).length;
  return {
    filter: { hub: hubIds && filter.hub !== undefined ? hubIds[0]! : null, year },
    payments: ledger.filter((x) => scoped(x.academicYear)).length,
    schools: schools.size,
    entitled,
    findings,
    clean: findings.length === 0,
  };
}

/** The findings as CSV (RFC 4180, CRLF), one finding a row. Pure. */
export function findingsCsv(findings: readonly FundingFinding[]): string {
  const header = ['URN', 'School', 'Maths Hub', 'Programme', 'Academic year', 'Rule', 'Rule in words', 'Problem', 'Payment reference', 'Other payments', 'Evidence (event versions)'];
  const lines = [header.map(csvCell).join(',')];
  for (const f of findings) {
    lines.push(
      [f.urn, f.school, f.hub, f.programme, f.academicYear, FUNDING_RULES[f.rule], f.ruleText, f.problem, f.payment ?? '', f.payments.filter((k) => k !== f.payment).join(' '), evidenceWords(f.events)].map(csvCell).join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** "event 4 (COMMITMENT_SIGNED, 2020-10-01): commitment signed; ..." Pure. */
export function evidenceWords(events: readonly EvidenceEvent[]): string {
  return events.map((e) => `event ${e.version} (${e.type}, ${when(e.occurredAt)}): ${e.shows}`).join('; ');
}
