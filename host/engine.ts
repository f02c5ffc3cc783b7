/**
 * The engine interface: the one way every caller (CLI, HTTP API, cohort
 * transitions, tests) talks to a running pathway. Two implementations: the
 * embedded host (host/embedded.ts, Postgres or PGlite timers) and the Temporal
 * host (workflows/ + host/temporal-engine.ts). Types only.
 */
import type { PathwayEventInput } from '../machines/events.js';
import type { Effect } from '../machines/effects.js';
import type { SchoolSummary } from '../machines/summary.js';

export interface SendOptions {
  /** Who did it: a user id, or "timer" for a timer firing. */
  actor: string;
  /** Optimistic concurrency: the stream version the caller last saw. */
  expectedVersion?: number;
  /**
   * The caller's check of the school as it stands (the service's: may this
   * person change this hub's schools?), run before the event is decided and
   * before the tamper check; what it throws refuses the write and nothing is
   * stored. The embedded host runs it on the head its write transaction
   * reads, so the check costs no statement of its own.
   */
  authorize?: (school: SchoolSummary) => void;
}

export interface SendResult {
  urn: string;
  version: number;
  summary: SchoolSummary;
  effects: Effect[];
}

export interface SchoolState {
  urn: string;
  version: number;
  summary: SchoolSummary;
  /** The persisted XState snapshot (JSON). */
  snapshot: unknown;
}

export interface HistoryEntry {
  urn: string;
  version: number;
  position: number;
  type: string;
  occurredAt: string;
  recordedAt: string;
  actor: string;
  machineVersion: string;
  payload: unknown;
  /** The phase/status after this event. */
  phase: string;
  status: string;
}

export interface History {
  urn: string;
  entries: HistoryEntry[];
  /** State as of `at` (or now): the fold of the entries up to it. */
  stateAt: SchoolSummary | null;
  /** Hash chain check: null when intact, else the first event found changed or missing. */
  tampered: null | { version: number; reason: string };
}

export interface SchoolFilter {
  hub?: string;
  phase?: string;
  programmeId?: string;
  academicYear?: string;
  groupId?: string;
  status?: string;
  overdue?: boolean;
  limit?: number;
}

export interface Engine {
  readonly kind: 'embedded' | 'temporal';
  send(urn: string, event: PathwayEventInput, options: SendOptions): Promise<SendResult>;
  state(urn: string): Promise<SchoolState>;
  history(urn: string, options?: { at?: string }): Promise<History>;
  schools(filter?: SchoolFilter): Promise<SchoolSummary[]>;
  close(): Promise<void>;
}
