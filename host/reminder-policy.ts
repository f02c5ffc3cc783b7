/**
 * The reminder policy of the hub service, as data: when headteachers and
 * teachers are reminded, when a missed obligation is escalated to the hub
 * lead, and when the weekly hub digest goes out. The machines take the
 * session and evaluation part in each SCHEDULE_SET (`policy`), so a school's
 * history records the policy its reminders followed; the digest part drives
 * the service's weekly job (service/digest.ts). Pure: data and a mapping.
 */
import type { ReminderPolicy } from '../machines/events.js';
import type { Weekday } from '../domain/calendar/london.js';

export interface HubReminderPolicy {
  /** Days before each meeting, workshop or visit that the school is reminded. */
  sessionDaysBefore: number[];
  /** Days before the end-of-year evaluation is due that the school is reminded. */
  evaluationDaysBefore: number[];
  /** Days after a session with no attendance recorded (or a missed one) that the hub lead hears. */
  escalateAfterDays: number;
  /** The weekly digest of overdue schools to each hub lead: London weekday and wall time. */
  digest: { weekday: Weekday; time: string };
}

/** The default: 14 and 2 days before each session, 14 days before the evaluation, escalation the next day, digest Monday 08:00. */
export const DEFAULT_REMINDER_POLICY: Readonly<HubReminderPolicy> = Object.freeze<HubReminderPolicy>({
  sessionDaysBefore: [14, 2],
  evaluationDaysBefore: [14],
  escalateAfterDays: 1,
  digest: { weekday: 'monday', time: '08:00' },
});

/** The part of a hub policy that the machines apply, in SCHEDULE_SET's `policy` shape. Pure. */
export function machinePolicy(policy: HubReminderPolicy = DEFAULT_REMINDER_POLICY): ReminderPolicy {
  return {
    daysBefore: [...policy.sessionDaysBefore],
    escalateAfterDays: policy.escalateAfterDays,
    evaluationDaysBefore: [...policy.evaluationDaysBefore],
  };
}
