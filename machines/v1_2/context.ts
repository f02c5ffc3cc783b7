/**
 * The data a school's pathway carries between events (the machine context).
 * Pure types and constructors.
 *
 * Counts (sessions held, gap tasks) are derived from lists or kept bounded so
 * that graph tools can walk the machines without an endless state space.
 */
import type { Programme, PhaseKind, Signatory } from '../../domain/catalogue/schema.js';
import type { PathwayEvent, ReminderPolicy, SchoolDetails, Teacher } from './events.js';
import type { Leader, PlanAims, PlanProgress } from '../../domain/people.js';

export type SessionStatus = 'scheduled' | 'held' | 'missed' | 'cancelled';

export interface SessionRecord {
  id: string;
  kind: 'meeting' | 'workshop' | 'visit' | 'inSchoolDay';
  at: string;
  place: string;
  status: SessionStatus;
  teachersPresent: number;
  headteacherPresent: boolean;
}

export interface PhaseRecord {
  phase: PhaseKind;
  programmeId: string;
  academicYear: string;
  outcome: 'completed' | 'withdrawn' | 'declined' | 'deferred';
  at: string;
  fundingPaidPence: number;
}

/** The states a school may defer from; it resumes where it left (see RESUME_TO in rules.ts). */
export type DeferredFrom = 'applied' | 'eligible' | 'waitlisted' | 'selected' | 'active';

/** A review of the action plan at a visit: the progress judged on each Big Idea named. */
export interface PlanReview {
  at: string;
  sessionId: string;
  progress: PlanProgress;
  note: string;
}

/** The phase's action plan on the 5 Big Ideas, made with the school's leader. */
export interface ActionPlan {
  createdAt: string;
  /** The Mastery Specialist or Readiness Lead it was made with. */
  madeWith: Leader;
  aims: PlanAims;
  /** The latest progress on each idea (absent: not yet reviewed). */
  progress: PlanProgress;
  reviews: PlanReview[];
}

/** The Readiness year's "Mastery Ready" judgement (002), kept across phases. */
export interface MasteryReadyJudgement {
  ready: boolean;
  at: string;
  academicYear: string;
  programmeId: string;
  note: string;
}

export interface PendingTimer {
  at: string;
  event: PathwayEvent;
}

export interface PathwayContext {
  urn: string;
  school: SchoolDetails | null;
  teachers: Teacher[];
  /**
   * When the current phase began (the `at` of its APPLY, ADVANCED or
   * RESUMED); absent from snapshots written before it was kept.
   */
  enteredAt?: string;
  /** The rules of the current phase, copied from the catalogue when the phase began. */
  programme: Programme | null;
  groupId: string | null;
  groupWith: string[];
  criteria: string[];
  signatories: Signatory[];
  sessions: SessionRecord[];
  policy: ReminderPolicy;
  gapTasks: number;
  releaseDays: number;
  fundingPaidPence: number;
  evaluationRequested: boolean;
  evaluationSubmittedAt: string | null;
  /** Escalation keys already raised this phase (each raised once). */
  escalations: string[];
  /** Timers this machine has set and not yet seen fire or cancelled. */
  timers: Record<string, PendingTimer>;
  past: PhaseRecord[];
  deferredUntil: string | null;
  /**
   * The state the school deferred from, present only while it is deferred
   * (absent from snapshots written before it existed: those resume at
   * `selected`, as they did then).
   */
  deferredFrom?: DeferredFrom;
  alternativeOffered: string | null;
  lastReason: string | null;
  /**
   * The school's Mastery Specialist or Readiness Lead this phase, and when
   * allocated; absent until LEADER_ALLOCATED (and from snapshots before 1.2.0).
   */
  leader?: Leader & { at: string };
  /** This phase's action plan; absent until ACTION_PLAN_CREATED. */
  actionPlan?: ActionPlan;
  /** The latest Mastery Ready judgement of a Readiness year; absent until MASTERY_READY_JUDGED. */
  masteryReady?: MasteryReadyJudgement;
}

export interface PathwayInput {
  urn: string;
}

export const DEFAULT_POLICY: ReminderPolicy = { daysBefore: [14, 2], escalateAfterDays: 1, evaluationDaysBefore: [14] };

/** The context of a school with no application yet. Pure. */
export function emptyContext(input: PathwayInput | undefined): PathwayContext {
  return {
    urn: input?.urn ?? '',
    school: null,
    teachers: [],
    programme: null,
    groupId: null,
    groupWith: [],
    criteria: [],
    signatories: [],
    sessions: [],
    policy: DEFAULT_POLICY,
    gapTasks: 0,
    releaseDays: 0,
    fundingPaidPence: 0,
    evaluationRequested: false,
    evaluationSubmittedAt: null,
    escalations: [],
    timers: {},
    past: [],
    deferredUntil: null,
    alternativeOffered: null,
    lastReason: null,
  };
}

/** The context fields that belong to one phase, reset when the next phase begins. Pure. */
export function freshPhase(programme: Programme): Partial<PathwayContext> {
  return {
    programme,
    groupId: null,
    criteria: [],
    signatories: [],
    sessions: [],
    gapTasks: 0,
    releaseDays: 0,
    fundingPaidPence: 0,
    evaluationRequested: false,
    evaluationSubmittedAt: null,
    escalations: [],
    deferredUntil: null,
    alternativeOffered: null,
    lastReason: null,
    // Absent (undefined), not null: snapshots written before 1.2.0 replay unchanged (undefined is not stored).
    leader: undefined,
    actionPlan: undefined,
  };
}
