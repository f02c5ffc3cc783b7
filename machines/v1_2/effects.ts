/**
 * Effects: what the machines ask the world to do, as data. Pure types.
 *
 * A machine never performs I/O; `transition()` returns these as actions and the
 * host (embedded or Temporal) carries them out through `activities/`. Each effect
 * has a `key` that is stable across replays and retries: running it twice
 * changes nothing.
 */
import type { PathwayEvent } from './events.js';

/** Set (or reset) the school's timer `key` to fire `event` at instant `at`. */
export interface SetTimer { type: 'timer.set'; key: string; at: string; event: PathwayEvent }
/** Drop the school's timer `key` if it has not fired. */
export interface CancelTimer { type: 'timer.cancel'; key: string }

export type Recipient = 'headteacher' | 'teachers' | 'headOfDepartment' | 'hubLead';

/** An email to people of the school or the hub. `template` names a message template in activities/. */
export interface Notify {
  type: 'notify';
  key: string;
  kind: 'reminder' | 'escalation' | 'confirmation';
  template: string;
  to: Recipient[];
  /** The school's people among `to`, resolved when the rule fired; "hubLead" is resolved by the activity from hub data. */
  recipients: { role: Recipient; name: string; email: string }[];
  urn: string;
  data: MessageData;
}

/** A value in a message's data: JSON, so both hosts can store and pass it. */
export type MessageValue = string | number | boolean | null | MessageValue[] | { [key: string]: MessageValue };

/**
 * What a message is about, as data for its template (activities/mail): names,
 * ISO instants (`startsAt`, `endsAt`, `dueAt`), the instant of the event that
 * decided it (`decidedAt`), meeting numbers ("n of m"). Internal ids (session,
 * work group) may be here for the activity to look things up; templates never
 * print them.
 */
export type MessageData = Record<string, MessageValue>;

/** A grant payment into the funding ledger: at most once per school, programme and year. */
export interface ReleaseFunding {
  type: 'funding.release';
  key: string;
  urn: string;
  programmeId: string;
  academicYear: string;
  amountPence: number;
  reason: string;
}

/** Ask the school for its end-of-phase evaluation. */
export interface RequestEvaluation {
  type: 'evaluation.request';
  key: string;
  urn: string;
  programmeId: string;
  academicYear: string;
  dueBy: string;
  /** Who is asked: the headteacher and the teachers, resolved when the rule fired. */
  recipients: { role: Recipient; name: string; email: string }[];
  /** Message data, as for Notify (school, programme, ...). */
  data: MessageData;
}

export type Effect = SetTimer | CancelTimer | Notify | ReleaseFunding | RequestEvaluation;
export type EffectType = Effect['type'];
