/**
 * The activities: every side effect of a pathway, shared by the embedded host
 * (run from the outbox) and the Temporal host (registered with the worker).
 * Each takes an effect with an idempotency `key`; running it twice changes
 * nothing the second time. Types only.
 */
import type { Notify, ReleaseFunding, RequestEvaluation } from '../machines/effects.js';
import type { SchoolSummary } from '../machines/summary.js';

export interface RecordEventInput {
  urn: string;
  /** The stream version before this event (0 for a new school). */
  expectedVersion: number;
  type: string;
  payload: unknown;
  occurredAt: string;
  actor: string;
  machineVersion: string;
  snapshot: unknown;
  summary: SchoolSummary;
}

export interface PathwayActivities {
  /** Append a decided event (and the resulting state) to the Postgres audit log. Idempotent on (urn, version). */
  recordEvent(input: RecordEventInput): Promise<{ version: number; duplicate: boolean }>;
  /** Send an email; a key already sent is not sent again. */
  notify(effect: Notify): Promise<{ sent: boolean; messageId: string | null }>;
  /** Write the funding ledger; paid at most once per school, programme and year. */
  releaseFunding(effect: ReleaseFunding): Promise<{ paid: boolean }>;
  /** Record (and email) an evaluation request; once per key. */
  requestEvaluation(effect: RequestEvaluation): Promise<{ created: boolean }>;
}
