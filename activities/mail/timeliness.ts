/**
 * Whether a message is still worth sending when its turn comes. A reminder
 * or a change notice about a moment that has passed is never sent (a timer
 * that fired late: the demo's back-dated years, a host that was stopped),
 * nor is any message decided more than LATE_AFTER_DAYS before it could go
 * out. Such a message is recorded as skipped, with this reason, instead.
 * Pure: `now` comes in.
 */
import type { MessageData, MessageValue } from '../../machines/effects.js';
import { longDate, longWhen } from './format.js';

/** A message that could not go out within this many days of being decided is not sent. */
export const LATE_AFTER_DAYS = 7;

const instant = (v: MessageValue | undefined): string | null => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? v : null);

/** The moment a message asks its reader to act for (a session's start, a due date), or null. Pure. */
export function aboutInstant(template: string, data: MessageData): string | null {
  switch (template) {
    case 'session-reminder':
    case 'first-workshop-reminder':
    case 'session-moved':
    case 'session-cancelled':
      return instant(data.startsAt);
    case 'schedule-announced': {
      const starts = Array.isArray(data.sessions)
        ? data.sessions.flatMap((s) => (s && typeof s === 'object' && !Array.isArray(s) ? [instant(s.startsAt)] : [])).filter((x): x is string => x !== null)
        : [];
      return starts.length ? starts.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a)) : null;
    }
    case 'evaluation-request':
    case 'evaluation-reminder':
      return instant(data.dueAt);
    default:
      return null;
  }
}

/** Why a message must not be sent at `now`, in plain words; null when it may go. Pure. */
export function whyNotSend(template: string, data: MessageData, now: string): string | null {
  const t = Date.parse(now);
  const about = aboutInstant(template, data);
  if (about && Date.parse(about) <= t) return `not sent: it was about ${longWhen(about)}, which had passed when it was due to go out (${longWhen(now)})`;
  const decided = instant(data.decidedAt);
  if (decided && t - Date.parse(decided) > LATE_AFTER_DAYS * 86_400_000) {
    return `not sent: it was decided on ${longDate(decided)}, more than ${LATE_AFTER_DAYS} days before it could go out (${longDate(now)})`;
  }
  return null;
}
