/**
 * Heartbeats for the activities that can take long (an email over a slow SMTP
 * server, an evaluation request with its email): the workflow gives them a
 * one-minute heartbeat timeout, so an attempt whose worker died is retried
 * after a minute, while a slow live send keeps its attempt and is not started
 * a second time beside itself. Not pure: timers.
 */
import { Context } from '@temporalio/activity';

/** How often a running activity tells Temporal it is alive (well inside the workflow's 1-minute heartbeat timeout). */
export const HEARTBEAT_EVERY_MS = 10_000;

/** `fn` with a heartbeat every `everyMs` while it runs (none outside an activity). Pure wrapper. */
export function withHeartbeat<A extends unknown[], R>(fn: (...args: A) => Promise<R>, everyMs = HEARTBEAT_EVERY_MS): (...args: A) => Promise<R> {
  return async (...args: A) => {
    let context: Context | null = null;
    try {
      context = Context.current();
    } catch {
      context = null; // not inside an activity (the embedded host, a test): nothing to tell
    }
    if (!context) return fn(...args);
    const ctx = context;
    ctx.heartbeat();
    const timer = setInterval(() => ctx.heartbeat(), everyMs);
    try {
      return await fn(...args);
    } finally {
      clearInterval(timer);
    }
  };
}
