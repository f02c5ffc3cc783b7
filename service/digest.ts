/**
 * The weekly hub digest: each hub lead gets one email a week listing the
 * hub's overdue schools (evaluation overdue, attendance not recorded), the
 * emails held for a bad address, what is due this week (sessions and
 * deadlines, as the board's "Due this week" lists them), the schools to
 * follow up (the board's "To follow up") and the evaluations its schools
 * sent in the week before, sent through the
 * activities' mailer. Each (hub, ISO week) is claimed in the database before
 * sending, so running the job any number of times sends one digest per hub
 * per week. Hubs with none of these get nothing. Not pure.
 */
import { DateTime } from 'luxon';
import { LONDON, weekdayNumber, parseWallTime } from '../domain/calendar/london.js';
import { findHub, hubs } from '../domain/catalogue/hubs.js';
import type { SchoolSummary } from '../machines/summary.js';
import { boardDue, boardEscalated, boardOverdue, evaluationsReceived, schoolNames, type EvaluationReceived } from '../store/board.js';
import { boardWindows, dueItemsInWords, followUpSchools, overdueReasons, type BoardDueItem, type HubBoard } from './board.js';
import { dateTimeAmMidnight } from '../domain/words/dates.js';
import { hubLabel } from './access.js';
import { claimDigest, markDigestSent } from '../store/ops/digests.js';
import { hubLeadFor } from '../store/ops/hub-contacts.js';
import { mailProblems, type MailProblem } from '../store/messages.js';
import { programmeTitle, publicUrl, renderDigest, type DigestView } from '../activities/mail/render.js';
import { DEFAULT_REMINDER_POLICY, type HubReminderPolicy } from '../host/reminder-policy.js';
import type { Service } from './context.js';
import { isoWeekOf, london } from './time.js';

export interface DigestResult {
  isoWeek: string;
  /** Hubs whose digest this run sent. */
  sent: { hub: string; to: string; schools: number }[];
  /** Hubs whose digest for the week had already gone. */
  alreadySent: string[];
}

const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const schools = (n: number) => count(n, 'school');
const emails = (n: number) => count(n, 'email');

/** "Riverside Academy", or "3 schools: A, B, C" (and "and 2 more" past the sample). Pure. */
function schoolsOf(i: BoardDueItem): string {
  const names = i.sample.map((x) => x.name ?? `School ${x.urn}`);
  if (i.schools === 1 && names.length === 1) return names[0]!;
  const more = i.schools > names.length ? ` and ${i.schools - names.length} more` : '';
  return names.length ? `${schools(i.schools)}: ${names.join(', ')}${more}` : schools(i.schools);
}

/**
 * The digest for one hub: the overdue schools and the messages that could
 * not reach a school (no or an invalid headteacher address), each with a
 * link to the school's page on the hub site; subject, HTML and text from one
 * template. Pure.
 */
export function digestMessage(
  hubName: string,
  isoWeek: string,
  overdue: SchoolSummary[],
  problems: MailProblem[] = [],
  base: string = publicUrl(),
  schoolNames: ReadonlyMap<string, string> = new Map(),
  reasons: ReadonlyMap<string, string[]> = new Map(),
  due: BoardDueItem[] = [],
  received: EvaluationReceived[] = [],
  followUp: HubBoard['followUp'] = [],
): { subject: string; text: string; html: string } {
  const link = (urn: string) => `${base}/hub/schools/${encodeURIComponent(urn)}`;
  const sessions = due.filter((i) => i.kind === 'session').length;
  const deadlines = due.length - sessions;
  const thisWeek = [sessions ? count(sessions, 'session') : '', deadlines ? count(deadlines, 'deadline') : ''].filter(Boolean).join(' and ');
  const parts = [
    overdue.length ? `${schools(overdue.length)} overdue` : '',
    problems.length ? `${emails(problems.length)} not delivered` : '',
    thisWeek ? `${thisWeek} this week` : '',
    received.length ? `${count(received.length, 'evaluation')} received` : '',
    followUp.length ? `${schools(followUp.length)} to follow up` : '',
  ].filter(Boolean);
  const byUrn = new Map<string, MailProblem[]>();
  for (const p of problems) byUrn.set(p.urn, [...(byUrn.get(p.urn) ?? []), p]);
  const view: DigestView = {
    hub: hubName,
    isoWeek,
    // People read "week of Monday 30 June 2025", not ISO week numbers.
    week: `week of ${DateTime.fromISO(isoWeek, { zone: LONDON }).toFormat('cccc d MMMM yyyy')}`,
    summary: parts.join(', ') || 'nothing overdue',
    overdueCount: schools(overdue.length),
    overdue: overdue.map((s) => ({
      name: s.name ?? s.urn,
      urn: s.urn,
      programme: s.programmeName ? programmeTitle(s.programmeName) : s.phase,
      year: s.academicYear ?? '',
      what: (reasons.get(s.urn) ?? [s.status === 'overdue' ? 'The end-of-year evaluation has not been submitted, and the year has ended.' : 'Attendance at a past session has not been recorded.']).join(' '),
      // The school page's "What is overdue", which links to where each is put right.
      link: `${link(s.urn)}#overdue`,
    })),
    dueCount: thisWeek,
    due: due.map((i) => ({ when: dateTimeAmMidnight(i.at) || i.at, what: i.groupName ? `${i.title} (${i.groupName})` : i.title, schools: schoolsOf(i) })),
    board: `${base}/hub`,
    receivedCount: received.length ? count(received.length, 'evaluation') : '',
    received: received.map((r) => ({
      name: r.name,
      urn: r.urn,
      when: dateTimeAmMidnight(r.at) || r.at,
      how: r.actor.startsWith('school-link:') ? 'sent by the headteacher from the school’s page' : 'recorded by the hub',
      link: link(r.urn),
    })),
    followUp: followUp.map((f) => ({ name: f.name ?? `School ${f.urn}`, urn: f.urn, what: f.reasons.join(' '), link: link(f.urn) })),
    problemCount: problems.length,
    problems: [...byUrn.entries()].map(([urn, ps]) => ({ urn, name: schoolNames.get(urn) ?? `School ${urn}`, problems: [...new Set(ps.map((p) => p.problem))].join('; '), held: `${emails(ps.length)} held`, link: link(urn) })),
  };
  return renderDigest(view);
}

/**
 * Sends this week's digest to each hub lead with overdue schools, unless it
 * went already. `now` decides the ISO week (default: the service clock). Not pure.
 */
export async function runWeeklyDigest(svc: Service, now: string = svc.now()): Promise<DigestResult> {
  if (!svc.mailer) throw new Error('the weekly digest needs a mailer (SMTP_URL or the mailbox folder)');
  const isoWeek = isoWeekOf(now);
  const overdue = await svc.engine.schools({ overdue: true });
  const byHub = new Map<string, { name: string; schools: SchoolSummary[] }>();
  for (const s of overdue) {
    const h = s.hub ? findHub(s.hub) : undefined;
    if (!h) continue;
    const entry = byHub.get(h.id) ?? { name: h.name, schools: [] };
    entry.schools.push(s);
    byHub.set(h.id, entry);
  }
  // Emails held because a school's address is missing or invalid: the hub lead hears of them too.
  const problemsByHub = new Map<string, MailProblem[]>();
  // One query for every hub's held emails; a hub with only those gets a digest too.
  for (const p of await mailProblems(svc.db)) {
    const h = findHub(p.hub);
    if (!h) continue;
    problemsByHub.set(h.id, [...(problemsByHub.get(h.id) ?? []), p]);
    if (!byHub.has(h.id)) byHub.set(h.id, { name: h.name, schools: [] });
  }
  // For every hub: what is due from now to the end of the week, the evaluations its schools sent in the seven days
  // before now (a hub lead is not emailed for each one), and the escalations the board lists under "To follow up"
  // (a headteacher who missed the first workshop) until put right. A hub with only one of these gets a digest too.
  const weekOf = new Map<string, { due: BoardDueItem[]; received: EvaluationReceived[]; followUp: HubBoard['followUp'] }>();
  const weekAgo = DateTime.fromISO(now, { setZone: true }).minus({ days: 7 }).toISO()!;
  for (const h of hubs) {
    const label = hubLabel(h);
    const week = {
      due: dueItemsInWords(await boardDue(svc.db, label, now, boardWindows(now, h.id).weekEnd, 50)),
      received: await evaluationsReceived(svc.db, label, weekAgo, now),
      followUp: followUpSchools(await boardEscalated(svc.db, label, 'headteacher-first-workshop')),
    };
    if (!week.due.length && !week.received.length && !week.followUp.length) continue;
    weekOf.set(h.id, week);
    if (!byHub.has(h.id)) byHub.set(h.id, { name: h.name, schools: [] });
  }
  const result: DigestResult = { isoWeek, sent: [], alreadySent: [] };
  for (const [hubId, { name, schools }] of [...byHub.entries()].sort()) {
    const lead = await hubLeadFor(svc.db, hubId);
    if (!(await claimDigest(svc.db, { hub: hubId, isoWeek, schools: schools.length, recipient: lead.email }))) {
      result.alreadySent.push(hubId);
      continue;
    }
    const problems = problemsByHub.get(hubId) ?? [];
    // A hub lead knows schools by name: each school whose mail is held is named, not only numbered (as on the board).
    const names = await schoolNames(svc.db, [...new Set(problems.map((p) => p.urn))]);
    // The board's reasons, naming each session whose attendance is missing.
    const reasons = new Map((await boardOverdue(svc.db, hubLabel(findHub(hubId)!), 1_000)).rows.map((o) => [o.urn, overdueReasons(o, now)]));
    const week = weekOf.get(hubId);
    const m = digestMessage(name, isoWeek, schools, problems, publicUrl(), names, reasons, week?.due ?? [], week?.received ?? [], week?.followUp ?? []);
    await svc.mailer.send({ key: `digest:${hubId}:${isoWeek}`, to: [{ name: lead.name, email: lead.email }], subject: m.subject, text: m.text, html: m.html, fromName: name });
    await markDigestSent(svc.db, hubId, isoWeek);
    result.sent.push({ hub: hubId, to: lead.email, schools: schools.length });
  }
  return result;
}

/** Whether the week's digest time (policy weekday and London time) has come by `now`. Pure. */
export function digestDue(now: string, policy: HubReminderPolicy = DEFAULT_REMINDER_POLICY): boolean {
  const t = DateTime.fromISO(now, { setZone: true }).setZone(LONDON);
  const { hour, minute } = parseWallTime(policy.digest.time);
  const due = t.startOf('week').plus({ days: weekdayNumber(policy.digest.weekday) - 1 }).set({ hour, minute });
  return t >= due;
}

export interface DigestJob {
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
  /** Runs one check now (what the timer does). */
  check(): Promise<DigestResult | null>;
}

/**
 * The service's scheduled job: every `everyMs` (default 15 minutes), once the
 * week's digest time has come, sends the week's digests not yet sent.
 * Failures are logged and retried at the next check. Not pure.
 */
export function startDigestJob(svc: Service, log: { warn(msg: string): void; info(msg: string): void }, everyMs = 15 * 60_000): DigestJob {
  let current: Promise<DigestResult | null> | null = null;
  const run = async (): Promise<DigestResult | null> => {
    try {
      const r = await runWeeklyDigest(svc);
      if (r.sent.length) log.info(`weekly digest ${r.isoWeek} sent to ${r.sent.map((x) => `${x.hub} (${x.to})`).join(', ')}`);
      return r;
    } catch (err) {
      log.warn(`weekly digest failed at ${london(svc.now())}, will retry: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
  };
  // One run at a time: a check while one runs waits for it.
  const check = (): Promise<DigestResult | null> => {
    if (current) return current;
    if (!digestDue(svc.now())) return Promise.resolve(null);
    current = run().finally(() => {
      current = null;
    });
    return current;
  };
  const timer = setInterval(() => void check(), everyMs);
  timer.unref();
  void check();
  return {
    stop: async () => {
      clearInterval(timer);
      await current;
    },
    check,
  };
}
