/**
 * What the audit's funding, integrity and effects pages show, in words for
 * people: the funding conformance audit (service/funding-audit.ts) grouped
 * by school with each rule, problem and evidence event; the integrity check
 * (service/verify.ts) with what the last signed checkpoint proves; and the
 * effects not carried out yet (service/effects.ts) with their error and next
 * try. Pure: the reports come in, the views go out.
 */
import { DateTime } from 'luxon';
import { LONDON } from '../domain/calendar/london.js';
import { FUNDING_RULES, type EvidenceEvent, type FundingAudit, type FundingFinding, type FundingRule } from './funding-audit.js';
import type { VerifyFinding, VerifyReport } from './verify.js';
import type { EffectView } from './effects.js';

const london = (iso: string) => DateTime.fromISO(iso, { setZone: true }).setZone(LONDON);
/** "3 December 2020". Pure. */
export const dayWords = (iso: string): string => london(iso).toFormat('d LLLL yyyy');
/** "3 December 2020, 1.05pm". Pure. */
export const whenWords = (iso: string): string => {
  const d = london(iso);
  return `${d.toFormat('d LLLL yyyy')}, ${d.toFormat(d.minute === 0 ? 'ha' : 'h.mma').toLowerCase()}`;
};
const isoDay = (iso: string) => london(iso).toISODate()!;
const count = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;
const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The rules the funding audit checks, each as a heading and a sentence. */
export const FUNDING_RULE_WORDS: Record<FundingRule, { name: string; means: string }> = {
  amount: { name: 'Amount for the route and phase', means: 'Each grant is the amount the programme set for its route and phase, as recorded when the school entered it' },
  commitment: { name: 'Commitment signed first', means: 'The school had signed its commitment before the grant was paid' },
  firstMeeting: { name: 'First meeting held first', means: 'The first meeting had been held (a teacher attended) before the grant was paid' },
  academicYear: { name: 'Paid in its academic year', means: 'The grant was paid between 1 September and 31 August of the year it is for' },
  once: { name: 'Paid once', means: 'A school is paid once per programme and year' },
  released: { name: 'Released by the history', means: 'An event of the school’s history released the grant' },
  entitled: { name: 'Every entitled school paid', means: 'A school that signed its commitment and held its first meeting in a programme that pays a grant was paid' },
};

export interface EvidenceView {
  version: number;
  /** "3 December 2020". */
  day: string;
  /** "2020-12-03": the school's audit page on that day. */
  isoDay: string;
  shows: string;
}

export interface FindingView {
  rule: FundingRule;
  ruleName: string;
  /** The rule with its seed document, as the audit words it. */
  ruleText: string;
  problem: string;
  programme: string;
  academicYear: string;
  payment: string | null;
  otherPayments: string[];
  evidence: EvidenceView[];
}

export interface FundingAuditView {
  clean: boolean;
  /** One sentence: the result. */
  headline: string;
  /** What was looked at, in sentences. */
  looked: string[];
  /** Findings grouped by school, schools in URN order. */
  schools: { urn: string; school: string; hub: string; findings: FindingView[] }[];
  rules: { name: string; means: string }[];
}

function evidence(e: EvidenceEvent): EvidenceView {
  return { version: e.version, day: dayWords(e.occurredAt), isoDay: isoDay(e.occurredAt), shows: e.shows };
}

/** "5 October 2026" for each ISO date ("2026-10-05") in a sentence. Pure. */
function datesInWords(text: string): string {
  return text.replace(/\b(\d{4}-\d{2}-\d{2})\b/g, (d) => {
    const day = DateTime.fromISO(d, { zone: LONDON });
    return day.isValid ? day.toFormat('d LLLL yyyy') : d;
  });
}

function findingView(f: FundingFinding): FindingView {
  // The programme once, as people name it: without the catalogue's note on where its rules came from, its year once.
  const name = f.programme.replace(/\s*\((rules|amount)[^)]*\)\s*$/i, '');
  const tidy = (t: string) => datesInWords(t.split(`${f.programme} (${f.academicYear})`).join(name).split(`${f.programme} ${f.academicYear}`).join(name).split(f.programme).join(name));
  return {
    rule: f.rule,
    ruleName: FUNDING_RULE_WORDS[f.rule].name,
    ruleText: capital(tidy(f.ruleText.replace(/^[^:]+: /, ''))),
    problem: capital(tidy(f.problem)),
    programme: name.endsWith(f.academicYear) ? name : `${name} ${f.academicYear}`,
    academicYear: f.academicYear,
    payment: f.payment,
    otherPayments: f.payments.filter((k) => k !== f.payment),
    evidence: f.events.map((e) => ({ ...evidence(e), shows: tidy(e.shows) })),
  };
}

/** The funding audit for a page; `scope` names the hub and year ("East Midlands East Maths Hub, 2025/26"). Pure. */
export function fundingAuditView(a: FundingAudit, scope: string): FundingAuditView {
  const bySchool = new Map<string, FundingAuditView['schools'][number]>();
  for (const f of a.findings) {
    const s = bySchool.get(f.urn) ?? { urn: f.urn, school: f.school, hub: f.hub, findings: [] };
    s.findings.push(findingView(f));
    bySchool.set(f.urn, s);
  }
  const schools = [...bySchool.values()].sort((x, y) => x.urn.localeCompare(y.urn));
  const headline = a.clean
    ? `Every payment followed the rules, and every school entitled to a grant was paid (${scope}).`
    : `${count(a.findings.length, 'finding')} at ${count(schools.length, 'school')} (${scope}).`;
  return {
    clean: a.clean,
    headline,
    looked: [
      `${count(a.payments, 'payment')} checked against the rules the school was under when it was paid.`,
      `${count(a.entitled, 'school-year', 'school-years')} the histories show entitled to a grant (commitment signed and first meeting held), each looked for in the ledger.`,
    ],
    schools,
    rules: (Object.keys(FUNDING_RULES) as FundingRule[]).map((r) => FUNDING_RULE_WORDS[r]),
  };
}

const CHECK_NAMES: Record<VerifyFinding['check'], string> = {
  chain: 'School history changed',
  checkpoint: 'Does not match the signed checkpoint',
  ledger: 'Funding ledger changed',
  signature: 'Checkpoint cannot be trusted',
  replay: 'State does not follow from the history',
};

export interface IntegrityFindingView {
  check: VerifyFinding['check'];
  name: string;
  /** The school's URN, or null (not about one school, or outside the reader's hubs). */
  urn: string | null;
  school: string | null;
  where: string | null;
  what: string;
}

export interface IntegrityView {
  clean: boolean;
  headline: string;
  /** What was checked, in sentences. */
  checked: string[];
  checkpoint: {
    id: number;
    title: string;
    /** What the checkpoint proves (and what it cannot). */
    proves: string[];
    signature: string;
  } | null;
  findings: IntegrityFindingView[];
  notes: string[];
  took: string;
}

/** The integrity check for a page; `names` gives each URN's school name. Pure. */
export function integrityView(r: VerifyReport, names: ReadonlyMap<string, string>): IntegrityView {
  const cp = r.checkpoint;
  const headline = r.clean
    ? cp
      ? `Every school’s history and the funding ledger are as they were recorded, and the log still holds everything checkpoint ${cp.id} signed.`
      : 'Every school’s history and the funding ledger are as they were recorded. No checkpoint has been signed yet, so a rewrite of the whole database could not be found.'
    : `${count(r.findings.length, 'finding')}: the log is not what was recorded. Each is named below.`;
  const checked = [
    `${count(r.checked.schools, 'school history', 'school histories')}: each event still matches its hash and links to the one before.`,
    `The funding ledger, ${count(r.checked.ledgerRows, 'payment')}: each row still matches its hash and follows the row before; rows cannot be changed or deleted.`,
    cp ? `Checkpoint ${cp.id}: every school and payment it signed is still in the log, unchanged.` : 'No signed checkpoint to compare with yet.',
    ...(r.checked.replayed === null
      ? []
      : [`${count(r.checked.replayed, 'event')} run through the rules again, school by school: each school’s current state, which its pages show and its next decision starts from, and every snapshot kept along the way are what its events give.`]),
  ];
  const checkpoint = cp
    ? {
        id: cp.id,
        title: `Checkpoint ${cp.id}, signed ${whenWords(cp.createdAt)}`,
        proves: [
          `It signs the latest event of every school and the last row of the funding ledger as they were on ${whenWords(cp.createdAt)} (${count(cp.treeSize, 'entry', 'entries')}).`,
          r.clean
            ? 'Today’s log extends it: nothing recorded up to then has been changed, removed or re-chained since, even by someone able to write to the whole database.'
            : 'Compare the findings above: anything recorded up to then that was changed, removed or re-chained is named.',
          'Events recorded after it are protected by their hash chains only, until the next checkpoint is signed (the service signs one every few minutes when something changed).',
          'Keep a copy outside this service: a copy you hold cannot be rewritten with the database.',
        ],
        signature:
          cp.signature === 'valid'
            ? 'Its signature is valid: it was signed with this service’s signing key.'
            : cp.signature === 'invalid'
              ? 'Its signature is NOT valid: it was not signed with this service’s key, so it proves nothing.'
              : 'Its signature was not checked here (this server cannot read the signing key). Download it and check it with pathway verify --checkpoint FILE.',
      }
    : null;
  const findings = r.findings.map((f) => ({
    check: f.check,
    name: CHECK_NAMES[f.check],
    urn: f.school,
    school: f.school ? (names.get(f.school) ?? `School ${f.school}`) : null,
    where: f.ledgerRow !== null ? `Ledger row ${f.ledgerRow}` : f.version !== null ? `Event ${f.version}` : null,
    // Event types in words ("(DECLINED)" -> "(declined)"); hashes stay, as evidence.
    what: capital(f.what.replace(/\(([A-Z][A-Z_]{2,})\)/g, (_m, t: string) => `(${t.toLowerCase().replace(/_/g, ' ')})`)),
  }));
  const took = r.elapsedMs < 1000 ? 'under a second' : `${(r.elapsedMs / 1000).toFixed(1)} seconds`;
  return { clean: r.clean, headline, checked, checkpoint, findings, notes: r.notes.map(capital), took };
}

export interface EffectRowView {
  urn: string;
  school: string;
  /** "Email", "Grant payment", "Evaluation request". */
  what: string;
  /** Which one: the email's subject, the grant's amount, or null. */
  describes: string | null;
  state: EffectView['state'];
  /** "Failed", "Waiting to retry", "Being sent", "Due". */
  stateWords: string;
  /** Why it has not happened, or its last error. */
  error: string | null;
  attempts: number;
  /** When it is next tried, in words. */
  next: string;
  key: string;
  /** An email that failed or waits to retry: hub staff may try it again now (service/effects.ts retryEffect). */
  retry: boolean;
}

const EFFECT_NAMES: Record<string, string> = { notify: 'Email', 'funding.release': 'Grant payment', 'evaluation.request': 'Evaluation request' };

/**
 * How long until a real-time instant (a retry wait, a host's hold), from
 * `realNow` (ms): "in 4 minutes", "in about 2 hours". Said as a wait, not a
 * date, because the pages' dates are the service's clock, which is not real
 * time on a simulated hub. Pure.
 */
export function realWaitWords(until: string, realNow: number): string {
  const minutes = Math.ceil((Date.parse(until) - realNow) / 60_000);
  if (minutes <= 1) return 'within a minute';
  if (minutes < 60) return `in ${minutes} minutes`;
  if (minutes < 90) return 'in about an hour';
  const hours = Math.round(minutes / 60);
  return hours < 36 ? `in about ${hours} hours` : `in about ${Math.round(hours / 24)} days`;
}

/**
 * The outstanding effects for the effects page, failed first, then by due
 * time. `now` is the service's clock (when effects fall due), `realNow` real
 * time in ms (retry waits and holds run in real time). Pure.
 */
export function effectRows(effects: readonly EffectView[], names: ReadonlyMap<string, string>, now: string, realNow: number): EffectRowView[] {
  const rank = { failed: 0, retrying: 1, claimed: 2, due: 3 } as const;
  return [...effects]
    .sort((a, b) => rank[a.state] - rank[b.state] || a.dueAt.localeCompare(b.dueAt))
    .map((e) => ({
      urn: e.urn,
      school: names.get(e.urn) ?? `School ${e.urn}`,
      what: EFFECT_NAMES[e.type] ?? e.type,
      describes: e.describes,
      state: e.state,
      stateWords: { failed: 'Failed', retrying: 'Waiting to retry', claimed: 'Being carried out', due: 'Due' }[e.state],
      error: e.lastError,
      attempts: e.attempts,
      next:
        e.state === 'failed'
          ? e.type === 'notify'
            ? `Not tried again by itself after ${count(e.attempts, 'attempt')}.`
            : `Not tried again after ${count(e.attempts, 'attempt')}: tell the service’s administrator.`
          : e.state === 'retrying'
            ? `Tried again by itself ${realWaitWords(e.retryAt!, realNow)}`
            : e.state === 'claimed'
              ? `Being carried out now; if that stopped, it is taken up again ${realWaitWords(e.claimedUntil!, realNow)}`
              : Date.parse(e.dueAt) <= Date.parse(now)
                ? `Due since ${whenWords(e.dueAt)}: carried out within a minute`
                : `Due ${whenWords(e.dueAt)}`,
      key: e.key,
      retry: e.type === 'notify' && (e.state === 'failed' || e.state === 'retrying'),
    }));
}
