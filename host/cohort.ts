/**
 * Cohort transitions: move every school of a year (or of one work group, or
 * one hub) from its phase to the next, in the catalogue's programme for the
 * next year. A dry run reports per school the phase it would enter or, in
 * plain words, why it cannot; a real run sends ADVANCED and reports the same.
 * Idempotent: a school already moved is reported as such and left alone. One
 * school's failure is reported and the others go on. On an engine that can
 * batch (the embedded host's sendMany) schools move 200 to a transaction, and
 * a batch that fails as a whole is retried school by school. Not pure (engine
 * I/O); the decisions themselves are the pure `planSchool`.
 */
import type { Engine } from './engine.js';
import type { PathwayEventInput } from '../machines/events.js';
import type { SchoolSummary } from '../machines/summary.js';
import type { PhaseKind, Programme, Route } from '../domain/catalogue/schema.js';
import { nextPhase, programmeFor } from '../domain/catalogue/programmes.js';
import { nextAcademicYear } from '../domain/calendar/academic-year.js';
import { AcademicYear } from '../domain/catalogue/schema.js';
import { EventRejectedError, ValidationError, problemsFromZod } from '../domain/errors.js';

export type TransitionOutcome = 'moved' | 'would move' | 'already moved' | 'cannot move' | 'failed';

export interface TransitionRow {
  urn: string;
  name: string | null;
  groupId: string | null;
  fromPhase: string;
  fromYear: string;
  /** The status the school is in for `fromYear` (completed, overdue, withdrawn...). */
  fromStatus: string;
  /** The phase it enters (or would, or did). */
  toPhase: string | null;
  toProgrammeId: string | null;
  outcome: TransitionOutcome;
  /** Why it cannot move or failed, in plain words; null when it moves. */
  reason: string | null;
}

export interface TransitionReport {
  from: string;
  to: string;
  dryRun: boolean;
  rows: TransitionRow[];
  counts: Record<TransitionOutcome, number>;
  /** Schools moved into a work group whose next year was already planned, and given its dates (service/cohorts.ts). */
  datesGiven?: number;
  /** Why the schools moved (or that would move) into a work group are not given its dates: the group had held all of that year's sessions (service/cohorts.ts). */
  datesWithheld?: string;
}

export interface TransitionOptions {
  /** The academic year the cohort finishes, "2020/21". */
  from: string;
  /** The year it moves into: must be the year after `from`. */
  to: string;
  groupId?: string;
  /** The hub as schools carry it (see service/access.ts hubLabel). */
  hub?: string;
  dryRun: boolean;
  /** Recorded as the actor of each ADVANCED event. */
  actor: string;
  /** When the move happens (event `at`); default: the system clock now. */
  at?: string;
  /** Schools moved at once (default 8). */
  concurrency?: number;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * What happens to one school of year `from` moving to `to`: the programme it
 * enters, or why it cannot. Pure (reads the catalogue).
 */
export function planSchool(s: SchoolSummary, to: string): { programme: Programme } | { reason: string } {
  const phase = s.phase as PhaseKind;
  const held = `${s.sessionsHeld} of ${s.sessionsRequired} ${phase === 'readiness' ? 'workshops' : 'meetings'} held`;
  switch (s.status) {
    case 'completed':
      break;
    case 'overdue':
      if (s.sessionsHeld < s.sessionsRequired) return { reason: `${phase === 'readiness' ? 'not Mastery Ready' : `${phase} not completed`}: ${held}, evaluation missing (overdue)` };
      return { reason: `evaluation missing (overdue)${phase === 'readiness' ? ': not Mastery Ready until it is submitted' : ''}` };
    case 'evaluating':
      return { reason: `evaluation missing (requested, not yet submitted)${phase === 'readiness' ? ': not Mastery Ready yet' : ''}` };
    case 'active':
      return { reason: phase === 'readiness' ? `not Mastery Ready: ${held}, evaluation not submitted` : `${phase} not completed: ${held}, evaluation not submitted` };
    case 'withdrawn':
      return { reason: `withdrew${s.reason ? ` (${s.reason})` : ''}` };
    case 'deferred':
      return { reason: `deferred${s.reason ? ` (${s.reason})` : ''}` };
    case 'declined':
      return { reason: `application declined${s.reason ? ` (${s.reason})` : ''}` };
    case 'selected':
      return { reason: `${phase} not started: the commitment was never signed` };
    default:
      return { reason: `still an application (${s.status}), not in a work group` };
  }
  if (!s.route) return { reason: 'the school has no route (primary or secondary) on record' };
  const next = nextPhase(phase, s.route as Route);
  const programme = programmeFor(s.route as Route, next, to);
  if (!programme) return { reason: `no next programme in the catalogue for ${to} (${s.route} ${next})` };
  // The machine refuses it too (ADVANCED's guard); said here so that a dry run shows it.
  const mr = programme.masteryReadyFrom;
  if (mr && mr.phase === phase) {
    const j = s.masteryReadyJudgement;
    if (!j || !j.ready || j.academicYear !== s.academicYear) {
      return { reason: `not judged Mastery Ready at the end of Readiness ${s.academicYear}${j && j.academicYear === s.academicYear ? ` (judged not ready on ${j.at.slice(0, 10)})` : ''}: ${programme.name} takes only schools judged Mastery Ready (rule masteryReady, seed ${mr.source.join(', ')})` };
    }
  }
  return { programme };
}

function checkYears(from: string, to: string): void {
  const problems = [];
  for (const [path, v] of [['from', from], ['to', to]] as const) {
    const r = AcademicYear.safeParse(v);
    if (!r.success) problems.push(...problemsFromZod(r.error, v).map((p) => ({ ...p, path })));
  }
  if (problems.length === 0 && nextAcademicYear(from) !== to) {
    problems.push({ path: 'to', message: `must be the academic year after ${from} (${nextAcademicYear(from)}): a cohort moves one year at a time`, value: to, severity: 'error' as const });
  }
  if (problems.length) throw new ValidationError(problems, 'cohort transition');
}

async function pool<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(size, items.length)) }, worker));
  return out;
}

/** Schools moved in one transaction when the engine can batch (the embedded host's sendMany). */
const BATCH = 200;

interface BatchingEngine {
  sendMany(
    items: { urn: string; event: PathwayEventInput; actor: string }[],
    options: { onRejected: 'skip' },
  ): Promise<{ results: (unknown | null)[]; rejected: { index: number; error: Error }[] }>;
}

/** The engine's batch write, when it has one (the Engine interface does not require it). Pure. */
function batchingOf(engine: Engine): BatchingEngine | null {
  const e = engine as Partial<BatchingEngine>;
  return typeof e.sendMany === 'function' ? (e as BatchingEngine) : null;
}

function baseRow(s: SchoolSummary, fromYear: string): Omit<TransitionRow, 'toPhase' | 'toProgrammeId' | 'outcome' | 'reason'> {
  return { urn: s.urn, name: s.name, groupId: s.groupId, fromPhase: s.phase, fromYear, fromStatus: s.status };
}

/**
 * Moves a cohort from `from` to `to` (see the module comment). Schools of
 * `to` whose past holds a completed phase of `from` are reported as already
 * moved. Throws ValidationError only for bad years; every per-school problem
 * is a row. Not pure.
 */
export async function transitionCohort(engine: Engine, options: TransitionOptions): Promise<TransitionReport> {
  const { from, to, dryRun } = options;
  checkYears(from, to);
  const at = options.at ?? new Date().toISOString();
  const scope = { ...(options.groupId ? { groupId: options.groupId } : {}), ...(options.hub ? { hub: options.hub } : {}) };
  const [inFrom, inTo] = await Promise.all([engine.schools({ ...scope, academicYear: from }), engine.schools({ ...scope, academicYear: to })]);

  const already: TransitionRow[] = inTo
    .map((s) => ({ s, past: [...s.pastPhases].reverse().find((x) => x.academicYear === from && x.outcome === 'completed') }))
    .filter((x) => x.past !== undefined)
    .map(({ s, past }) => ({ ...baseRow(s, from), fromPhase: past!.phase, fromStatus: 'completed', toPhase: s.phase, toProgrammeId: s.programmeId, outcome: 'already moved' as const, reason: null }));

  // A transition of one work group moves it on whole: its schools continue in it (ADVANCED otherwise leaves the old group behind).
  const continuesIn = options.groupId ? { groupId: options.groupId } : {};
  const planned = inFrom.map((s) => ({ s, plan: planSchool(s, to) }));
  const rows: TransitionRow[] = [];
  const movers: { s: SchoolSummary; programme: Programme }[] = [];
  for (const { s, plan } of planned) {
    if ('reason' in plan) rows.push({ ...baseRow(s, from), toPhase: null, toProgrammeId: null, outcome: 'cannot move', reason: plan.reason });
    else if (dryRun) rows.push({ ...baseRow(s, from), toPhase: plan.programme.phase, toProgrammeId: plan.programme.id, outcome: 'would move', reason: null });
    else movers.push({ s, programme: plan.programme });
  }

  /** One school moved on its own: any failure is its row, not the run's. */
  const moveOne = async ({ s, programme }: { s: SchoolSummary; programme: Programme }): Promise<TransitionRow> => {
    try {
      await engine.send(s.urn, { type: 'ADVANCED', at, programme, ...continuesIn }, { actor: options.actor });
      return moved(s, programme, 'moved');
    } catch (err) {
      return refused(s, programme, err);
    }
  };
  const moved = (s: SchoolSummary, programme: Programme, outcome: 'moved' | 'already moved'): TransitionRow => ({ ...baseRow(s, from), toPhase: programme.phase, toProgrammeId: programme.id, outcome, reason: null });
  const refused = async (s: SchoolSummary, programme: Programme, err: unknown): Promise<TransitionRow> => {
    // Another run may have moved it a moment ago: that is "already moved", not a failure.
    if (err instanceof EventRejectedError) {
      const now = await engine.state(s.urn).catch(() => null);
      if (now && now.summary.academicYear === to && now.summary.phase === programme.phase) return moved(s, programme, 'already moved');
    }
    return { ...moved(s, programme, 'moved'), outcome: 'failed', reason: err instanceof Error ? err.message : String(err) };
  };

  const batching = batchingOf(engine);
  if (batching) {
    // Many schools to a transaction; a batch that fails as a whole is retried school by school.
    for (let i = 0; i < movers.length; i += BATCH) {
      const chunk = movers.slice(i, i + BATCH);
      let outcome: Awaited<ReturnType<BatchingEngine['sendMany']>> | null = null;
      try {
        outcome = await batching.sendMany(chunk.map(({ s, programme }) => ({ urn: s.urn, event: { type: 'ADVANCED', at, programme, ...continuesIn }, actor: options.actor })), { onRejected: 'skip' });
      } catch {
        rows.push(...(await pool(chunk, options.concurrency ?? 8, moveOne)));
        continue;
      }
      const why = new Map(outcome.rejected.map((r) => [r.index, r.error]));
      for (const [k, m] of chunk.entries()) rows.push(outcome.results[k] ? moved(m.s, m.programme, 'moved') : await refused(m.s, m.programme, why.get(k) ?? new Error('not stored')));
    }
  } else rows.push(...(await pool(movers, options.concurrency ?? 8, moveOne)));

  const all = [...rows, ...already].sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
  const counts: Record<TransitionOutcome, number> = { moved: 0, 'would move': 0, 'already moved': 0, 'cannot move': 0, failed: 0 };
  for (const r of all) counts[r.outcome] += 1;
  return { from, to, dryRun, rows: all, counts };
}

/** One line: "3 moved, 1 cannot move" (outcomes with none left out). Pure. */
export function describeCounts(counts: Record<TransitionOutcome, number>): string {
  const parts = (Object.entries(counts) as [TransitionOutcome, number][]).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`);
  return parts.length ? parts.join(', ') : `${plural(0, 'school')} in this cohort`;
}
