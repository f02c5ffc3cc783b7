/**
 * Whole routes through the pathway machine, folded event by event through
 * decide() the way a host runs them: hub events in date order, and before each
 * one every timer the machine set that has come due, fired in time order.
 * Summaries are checked along the way, and the stored history replays to the
 * same state (what an auditor does).
 *
 * The routes run twice: on the small fixtures, and on the real catalogue
 * entries for the years the seed documents name (TRG 2018/19, Readiness
 * 2020/21, Development 2021/22; secondary Development 2020/21).
 */
import { describe, expect, it } from 'vitest';
import { programmeFor } from '../domain/catalogue/programmes.js';
import type { Programme, Route } from '../domain/catalogue/schema.js';
import { decide, fold, initialState, summaryOf, type PersistedPathway } from '../machines/decide.js';
import type { Effect, Notify } from '../machines/effects.js';
import { PathwayEvent, type PathwayEventInput } from '../machines/events.js';
import type { SchoolSummary } from '../machines/summary.js';
import { millis } from '../machines/time.js';
import {
  allSignatures,
  london,
  primaryDev,
  primaryEmb,
  primaryReadiness,
  primarySchool,
  primarySus,
  primarySus2,
  primaryTrg,
  secondaryDev,
  secondaryEmb,
  secondarySchool,
  secondarySus,
  secondarySus2,
  twoTeachers,
} from './fixtures/programmes.js';

/**
 * A school run as a host runs it: before each hub event, the timers that have
 * come due fire in time order; effects are collected per phase.
 */
class HostedSchool {
  state: PersistedPathway;
  readonly history: PathwayEvent[] = [];
  readonly effects: Effect[] = [];
  private readonly pending = new Map<string, { at: string; event: PathwayEvent }>();
  private lastAt = -Infinity;

  constructor(readonly urn: string) {
    this.state = initialState(urn);
  }

  /** Fire every timer due by `at`, then decide the hub's event. */
  send(input: PathwayEventInput): this {
    const event = PathwayEvent.parse(input);
    this.fireTimersUntil(event.at);
    this.decide(event);
    return this;
  }

  /** Fire every timer due by `at` (the clock moves on with no hub event). */
  fireTimersUntil(at: string): this {
    for (;;) {
      const due = [...this.pending.entries()]
        .filter(([, t]) => millis(t.at) <= millis(at))
        .sort(([ka, a], [kb, b]) => millis(a.at) - millis(b.at) || (ka < kb ? -1 : 1))[0];
      if (!due) return this;
      this.pending.delete(due[0]);
      this.decide(due[1].event);
    }
  }

  private decide(event: PathwayEvent): void {
    // Hub events and timer firings reach the machine in date order, as they happen.
    expect(millis(event.at), `${event.type} at ${event.at} comes after ${this.history.at(-1)?.type} at ${this.history.at(-1)?.at}`).toBeGreaterThanOrEqual(this.lastAt);
    this.lastAt = millis(event.at);
    const d = decide(this.state, event);
    this.state = d.snapshot;
    this.history.push(event);
    this.effects.push(...d.effects);
    for (const e of d.effects) {
      if (e.type === 'timer.set') this.pending.set(e.key, { at: e.at, event: e.event });
      if (e.type === 'timer.cancel') this.pending.delete(e.key);
    }
    // The host's timers and the machine's own list never drift apart.
    expect([...this.pending.keys()].sort()).toEqual(Object.keys(this.state.context.timers).sort());
  }

  get summary(): SchoolSummary {
    return summaryOf(this.state);
  }

  grants(): { programmeId: string; amountPence: number; academicYear: string }[] {
    return this.effects.filter((e) => e.type === 'funding.release').map((e) => ({ programmeId: e.programmeId, amountPence: e.amountPence, academicYear: e.academicYear }));
  }

  notices(template: string): Notify[] {
    return this.effects.filter((e): e is Notify => e.type === 'notify' && e.template === template);
  }
}

function startYear(p: Programme): number {
  return Number(p.academicYear.slice(0, 4));
}

/** The required meetings/workshops of a programme (the first kind that counts) and how many. */
function requirement(p: Programme): { kind: 'meeting' | 'workshop'; count: number } {
  const counted = p.sessions.filter((r) => r.kind === 'meeting' || r.kind === 'workshop');
  return { kind: (counted[0]?.kind ?? 'meeting') as 'meeting' | 'workshop', count: counted.reduce((n, r) => n + r.min, 0) };
}

/** `n` session dates, one a month on the 10th at 09:30 London, inside the programme's window (else October to July). */
function sessionDates(p: Programme, n: number): string[] {
  const rule = p.sessions.find((r) => r.kind === 'meeting' || r.kind === 'workshop');
  const from = rule?.window?.from ?? `${startYear(p)}-10`;
  const to = rule?.window?.to ?? `${startYear(p) + 1}-07`;
  const months: string[] = [];
  for (let [y, m] = from.split('-').map(Number) as [number, number]; `${y}-${String(m).padStart(2, '0')}` <= to; m === 12 ? ((y += 1), (m = 1)) : (m += 1)) {
    months.push(`${y}-${String(m).padStart(2, '0')}`);
  }
  expect(months.length, `${p.id} has room for ${n} sessions between ${from} and ${to}`).toBeGreaterThanOrEqual(n);
  // Spread over the window, as a work group would.
  return Array.from({ length: n }, (_, i) => london(`${months[Math.floor((i * months.length) / n)]}-10`, '09:30'));
}

interface PhaseRun {
  /** How the school enters the phase: by application (with eligibility and selection) or by cohort transition. */
  entry: 'apply' | 'advance';
  /** Sessions scheduled beyond the required ones (a work group offers more than the minimum). */
  extra?: number;
}

/**
 * One academic year of a phase, start to finish, with the summaries a hub
 * would see at each stage.
 */
function runPhase(s: HostedSchool, p: Programme, school: typeof primarySchool, run: PhaseRun): Record<string, SchoolSummary> {
  const y0 = startYear(p);
  const seen: Record<string, SchoolSummary> = {};
  const { kind, count } = requirement(p);
  const dates = sessionDates(p, count + (run.extra ?? 0));
  const commitAt = london(`${dates[0]!.slice(0, 8)}01`, '09:00');
  if (run.entry === 'apply') {
    // On the closing day when there is one, else a month before the year's first session.
    const month = Number(commitAt.slice(5, 7));
    const monthBefore = `${month === 1 ? Number(commitAt.slice(0, 4)) - 1 : commitAt.slice(0, 4)}-${String(month === 1 ? 12 : month - 1).padStart(2, '0')}-01`;
    const applyAt = london(p.deadlines.applicationsClose ?? monthBefore, '12:00');
    s.send({ type: 'APPLY', at: applyAt, programme: p, school, teachers: twoTeachers });
    seen.applied = s.summary;
    const criteria = p.eligibility ? [p.eligibility.criteria[0]!.id] : [];
    s.send({ type: 'ELIGIBILITY_ASSESSED', at: applyAt.replace(/T12/, 'T15'), eligible: true, criteria });
    s.send({ type: 'SELECTED', at: applyAt.replace(/T12/, 'T16'), groupId: `wg-${p.id}`, groupSize: p.group.maxSchools ?? 6 });
  } else {
    s.send({ type: 'ADVANCED', at: london(`${y0}-09-01`, '08:00'), programme: p });
  }
  seen.selected = s.summary;
  if (p.phase === 'readiness') {
    s.send({ type: 'LEADER_ALLOCATED', at: london(commitAt.slice(0, 10), '08:30'), leader: { id: 'rl-1', name: 'Rhea Lead', role: 'readinessLead' }, load: 1 });
    const aims = { coherence: 'small steps', representationAndStructure: 'bar models', mathematicalThinking: 'reasoning', fluency: 'number facts', variation: 'varied practice' };
    s.send({ type: 'ACTION_PLAN_CREATED', at: london(commitAt.slice(0, 10), '08:45'), aims });
  }
  s.send({ type: 'COMMITMENT_SIGNED', at: commitAt, signatories: allSignatures(p) });
  seen.committed = s.summary;
  s.send({
    type: 'SCHEDULE_SET',
    at: london(commitAt.slice(0, 10), '10:00'),
    sessions: dates.map((at, i) => ({ id: `${p.id}-${i + 1}`, kind, at, place: 'the Mastery Specialist school' })),
  });
  seen.scheduled = s.summary;
  dates.forEach((at, i) => {
    s.send({ type: 'ATTENDANCE_RECORDED', at: london(at.slice(0, 10), '16:00'), sessionId: `${p.id}-${i + 1}`, teachersPresent: 2, headteacherPresent: i === 0 });
    if (i === 0) seen.firstMeeting = s.summary;
    if (i + 1 === count) seen.obligationsMet = s.summary;
  });
  s.send({ type: 'EVALUATION_SUBMITTED', at: london(`${y0 + 1}-07-25`), summary: `${p.name}: what we changed` });
  seen.completed = s.summary;
  // A Readiness year ends with the Mastery Ready judgement (002), on the action plan made with the Readiness Lead.
  if (p.phase === 'readiness') {
    s.send({ type: 'MASTERY_READY_JUDGED', at: london(`${y0 + 1}-07-27`), ready: true });
    seen.judged = s.summary;
  }
  return seen;
}

function runRoute(route: Route, programmes: { p: Programme; run: PhaseRun }[], urn: string) {
  const school = route === 'primary' ? primarySchool : secondarySchool;
  const s = new HostedSchool(urn);
  const phases = programmes.map(({ p, run }) => ({ p, seen: runPhase(s, p, school, run) }));
  // The clock runs on past the last year: nothing is left to fire.
  s.fireTimersUntil(london(`${startYear(programmes.at(-1)!.p) + 2}-09-01`));
  return { s, phases };
}

/** What a hub sees of a phase at each stage, whichever programme figures it has. */
function expectPhaseStory(p: Programme, seen: Record<string, SchoolSummary>, run: PhaseRun) {
  const { count } = requirement(p);
  if (run.entry === 'apply') expect(seen.applied).toMatchObject({ phase: p.phase, status: 'applied', programmeId: p.id, academicYear: p.academicYear });
  expect(seen.selected).toMatchObject({ phase: p.phase, status: 'selected', programmeId: p.id, sessionsHeld: 0, sessionsRequired: count, fundingPaidPence: 0, evaluationSubmitted: false });
  expect(seen.committed).toMatchObject({ status: 'active', fundingPaidPence: 0 });
  expect(seen.scheduled!.upcoming.filter((u) => u.what.startsWith(requirement(p).kind))).toHaveLength(count + (run.extra ?? 0));
  expect(seen.firstMeeting).toMatchObject({ sessionsHeld: 1, fundingPaidPence: p.funding?.amountPence ?? 0 });
  expect(seen.obligationsMet).toMatchObject({ status: 'evaluating', sessionsHeld: count, overdue: false });
  expect(seen.completed).toMatchObject({ phase: p.phase, status: 'completed', evaluationSubmitted: true, fundingPaidPence: p.funding?.amountPence ?? 0, upcoming: [] });
}

describe('the primary route on the fixtures: TRG, Readiness, Development, Embedding, Sustaining twice', () => {
  const plan = [
    { p: primaryTrg, run: { entry: 'apply' } },
    { p: primaryReadiness, run: { entry: 'apply', extra: 1 } },
    { p: primaryDev, run: { entry: 'advance', extra: 2 } },
    { p: primaryEmb, run: { entry: 'advance' } },
    { p: primarySus, run: { entry: 'advance' } },
    { p: primarySus2, run: { entry: 'advance' } },
  ] satisfies { p: Programme; run: PhaseRun }[];
  const { s, phases } = runRoute('primary', plan, '100001');

  it('each phase runs from selection to completion', () => {
    phases.forEach(({ p, seen }, i) => expectPhaseStory(p, seen, plan[i]!.run));
    expect(s.summary).toMatchObject({ name: primarySchool.name, route: 'primary', hub: 'Boolean Maths Hub', phase: 'sustaining', status: 'completed', academicYear: '2024/25' });
  });

  it('tells the headteacher of each application it received, in the programme applied for', () => {
    const got = s.notices('application-received');
    expect(got.map((n) => n.data.programmeId)).toEqual([primaryTrg.id, primaryReadiness.id]);
    for (const n of got) expect(n.recipients.map((r) => r.role)).toEqual(['headteacher']);
  });

  it('Mastery Ready from the end of Readiness on, not before', () => {
    const [trg, readiness, development] = phases;
    expect(trg!.seen.completed!.masteryReady).toBe(false);
    expect(readiness!.seen.obligationsMet!.masteryReady).toBe(false);
    expect(readiness!.seen.completed!.masteryReady).toBe(true);
    expect(development!.seen.selected!.masteryReady).toBe(true);
    expect(s.summary.masteryReady).toBe(true);
  });

  it('£1000 once, in the Development year 2021/22, after commitment and the first meeting', () => {
    expect(s.grants()).toEqual([{ programmeId: 'pri-dev-2021', academicYear: '2021/22', amountPence: 100000 }]);
    const dev = phases[2]!.seen;
    expect(dev.committed!.fundingPaidPence).toBe(0);
    expect(dev.firstMeeting!.fundingPaidPence).toBe(100000);
    expect(dev.completed!.fundingPaidPence).toBe(100000);
    expect(phases[3]!.seen.completed!.fundingPaidPence).toBe(0);
  });

  it('the past phases, in order', () => {
    expect(s.summary.pastPhases).toEqual([
      { phase: 'trg', academicYear: '2018/19', outcome: 'completed' },
      { phase: 'readiness', academicYear: '2020/21', outcome: 'completed' },
      { phase: 'development', academicYear: '2021/22', outcome: 'completed' },
      { phase: 'embedding', academicYear: '2022/23', outcome: 'completed' },
      { phase: 'sustaining', academicYear: '2023/24', outcome: 'completed' },
      { phase: 'sustaining', academicYear: '2024/25', outcome: 'completed' },
    ]);
  });

  it('reminders went out for every session, no escalation was needed, and nothing is left pending', () => {
    // Each year's schedule is set on the 1st of the month of its first session, nine days ahead: that
    // session's 14-day reminder would already be in the past, so only its 2-day one goes out.
    const sessions = plan.reduce((n, { p, run }) => n + requirement(p).count + (run.extra ?? 0), 0);
    expect(s.notices('session-reminder').length + s.notices('first-workshop-reminder').length).toBe(2 * sessions - plan.length);
    expect(s.notices('first-workshop-reminder').map((n) => [n.data.daysBefore, n.to])).toEqual([[2, ['teachers', 'headteacher']]]);
    expect(s.effects.filter((e) => e.type === 'notify' && e.kind === 'escalation')).toEqual([]);
    expect(s.effects.filter((e) => e.type === 'evaluation.request')).toHaveLength(plan.length);
    expect(s.state.context.timers).toEqual({});
  });

  it('the stored history replays to the same state', () => {
    expect(fold('100001', s.history)).toEqual(s.state);
  });
});

describe('the secondary route on the fixtures: Development, Embedding, Sustaining twice', () => {
  const plan = [
    { p: secondaryDev, run: { entry: 'apply', extra: 1 } },
    { p: secondaryEmb, run: { entry: 'advance' } },
    { p: secondarySus, run: { entry: 'advance' } },
    { p: secondarySus2, run: { entry: 'advance' } },
  ] satisfies { p: Programme; run: PhaseRun }[];
  const { s, phases } = runRoute('secondary', plan, '100002');

  it('each phase runs from selection to completion', () => {
    phases.forEach(({ p, seen }, i) => expectPhaseStory(p, seen, plan[i]!.run));
    expect(s.summary).toMatchObject({ route: 'secondary', phase: 'sustaining', status: 'completed', academicYear: '2023/24', masteryReady: false });
  });

  it('Development 2020/21: at least 4 meetings between November and July, then the evaluation', () => {
    const dev = phases[0]!.seen;
    const first = s.history.find((e) => e.type === 'SCHEDULE_SET');
    expect(first?.type === 'SCHEDULE_SET' && first.sessions.map((x) => x.at.slice(0, 7))).toEqual(['2020-11', '2020-12', '2021-02', '2021-04', '2021-06']);
    expect(dev.scheduled).toMatchObject({ sessionsRequired: 4, sessionsHeld: 0 });
    expect(dev.obligationsMet).toMatchObject({ status: 'evaluating', sessionsHeld: 4 });
  });

  it('£2000 once, to the department, after commitment and the first meeting', () => {
    expect(s.grants()).toEqual([{ programmeId: 'sec-dev-2020', academicYear: '2020/21', amountPence: 200000 }]);
    expect(phases[0]!.seen.firstMeeting!.fundingPaidPence).toBe(200000);
    expect(s.notices('funding-released').map((n) => n.data.amount)).toEqual(['£2,000']);
  });

  it('the past phases, in order, and the history replays', () => {
    expect(s.summary.pastPhases.map((x) => `${x.phase} ${x.academicYear} ${x.outcome}`)).toEqual([
      'development 2020/21 completed', 'embedding 2021/22 completed', 'sustaining 2022/23 completed', 'sustaining 2023/24 completed',
    ]);
    expect(fold('100002', s.history)).toEqual(s.state);
  });
});

describe('the same routes on the real catalogue', () => {
  const entry = (route: Route, phase: Programme['phase'], year: string) => {
    const p = programmeFor(route, phase, year);
    expect(p, `the catalogue has ${route} ${phase} ${year}`).not.toBeNull();
    return p!;
  };

  it('primary: TRG 2018/19, Readiness 2020/21, Development 2021/22 with the £1000 once, Embedding, Sustaining twice', () => {
    const plan: { p: Programme; run: PhaseRun }[] = [
      { p: entry('primary', 'trg', '2018/19'), run: { entry: 'apply' } },
      { p: entry('primary', 'readiness', '2020/21'), run: { entry: 'apply' } },
      { p: entry('primary', 'development', '2021/22'), run: { entry: 'advance' } },
      { p: entry('primary', 'embedding', '2022/23'), run: { entry: 'advance' } },
      { p: entry('primary', 'sustaining', '2023/24'), run: { entry: 'advance' } },
      { p: entry('primary', 'sustaining', '2024/25'), run: { entry: 'advance' } },
    ];
    const { s, phases } = runRoute('primary', plan, '200001');
    phases.forEach(({ p, seen }, i) => expectPhaseStory(p, seen, plan[i]!.run));
    // Readiness asks the headteacher to the first workshop (002); the TRG meets twice (004).
    expect(requirement(plan[0]!.p).count).toBe(2);
    expect(plan[1]!.p.sessions.some((r) => r.headteacherAttendsFirst)).toBe(true);
    expect(s.grants()).toEqual([{ programmeId: plan[2]!.p.id, academicYear: '2021/22', amountPence: 100000 }]);
    expect(phases[1]!.seen.completed!.masteryReady).toBe(true);
    expect(s.summary.pastPhases.map((x) => `${x.phase} ${x.academicYear}`)).toEqual([
      'trg 2018/19', 'readiness 2020/21', 'development 2021/22', 'embedding 2022/23', 'sustaining 2023/24', 'sustaining 2024/25',
    ]);
    expect(s.effects.filter((e) => e.type === 'notify' && e.kind === 'escalation')).toEqual([]);
    expect(fold('200001', s.history)).toEqual(s.state);
  });

  it('secondary: Development 2020/21 with at least 4 meetings November to July and £2000 once, Embedding, Sustaining', () => {
    const plan: { p: Programme; run: PhaseRun }[] = [
      { p: entry('secondary', 'development', '2020/21'), run: { entry: 'apply' } },
      { p: entry('secondary', 'embedding', '2021/22'), run: { entry: 'advance' } },
      { p: entry('secondary', 'sustaining', '2022/23'), run: { entry: 'advance' } },
    ];
    const dev = plan[0]!.p;
    expect(requirement(dev)).toEqual({ kind: 'meeting', count: 4 });
    expect(dev.sessions[0]!.window).toEqual({ from: '2020-11', to: '2021-07' });
    const { s, phases } = runRoute('secondary', plan, '200002');
    phases.forEach(({ p, seen }, i) => expectPhaseStory(p, seen, plan[i]!.run));
    expect(s.grants()).toEqual([{ programmeId: dev.id, academicYear: '2020/21', amountPence: 200000 }]);
    expect(s.summary).toMatchObject({ phase: 'sustaining', status: 'completed', academicYear: '2022/23' });
    expect(fold('200002', s.history)).toEqual(s.state);
  });
});

describe('a school waitlisted for a full work group', () => {
  it('tells its headteacher it is on the waiting list, and why', () => {
    const s = new HostedSchool('100077');
    s.send({ type: 'APPLY', at: london('2020-06-01'), programme: secondaryDev, school: secondarySchool, teachers: twoTeachers });
    s.send({ type: 'ELIGIBILITY_ASSESSED', at: london('2020-06-08'), eligible: true });
    s.send({ type: 'WAITLISTED', at: london('2020-06-09'), reason: 'the work groups are full' });
    expect(s.summary.status).toBe('waitlisted');
    const [n, ...more] = s.notices('waitlisted');
    expect(more).toEqual([]);
    expect(n!.recipients.map((r) => r.role)).toEqual(['headteacher']);
    expect(n!.data).toMatchObject({ reason: 'the work groups are full', programmeId: secondaryDev.id });
  });
});
