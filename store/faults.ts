/**
 * Deterministic fault injection: named points between the steps of each
 * effect (claim -> perform -> record) and of each write (decide -> append ->
 * outbox), that tests turn on to crash exactly there. Off unless a test arms
 * a point, and then `fault()` costs one null check.
 *
 * A child process is armed through the environment:
 *   PATHWAY_FAULTS=effect.after-claim        crash the first time it is reached
 *   PATHWAY_FAULTS=mail.after-send@3         crash the third time
 *   PATHWAY_FAULTS=effect.after-perform:funding.release
 *                                            only where the detail matches (the effect kind)
 * and crashes for real (SIGKILL to itself, after one line on stderr saying
 * where), so nothing in the process (finally blocks, rollbacks, close) runs,
 * as after kill -9. In-process, `armFaults` makes the point throw
 * InjectedFault instead. Not pure (process-wide state).
 */
import { writeSync } from 'node:fs';

/** Every injection point, in the order a write and its effects pass them. */
export const FAULT_POINTS = [
  /** An event and its snapshot are inserted, the transaction not yet committed (its outbox rows not yet written). */
  'event.after-append',
  /** The transaction holding an event, its timers and outbox rows is committed; its effects not yet carried out. */
  'event.after-commit',
  /** A batch of due timers fired and committed; the effects they asked for not yet carried out. */
  'timer.after-fire',
  /** The recordEvent activity (Temporal host) committed its event and has not returned. */
  'record-event.after-append',
  /** Outbox items claimed (a lease taken), not yet carried out. */
  'effect.after-claim',
  /** An effect carried out (paid, mailed, requested), not yet marked done in the outbox. */
  'effect.after-perform',
  /** A message's send-claim taken, the message not yet handed to the mail transport. */
  'mail.after-claim',
  /** A message handed to the mail transport, not yet recorded as sent. */
  'mail.after-send',
] as const;

export type FaultPoint = (typeof FAULT_POINTS)[number];

/** A fault injected in-process (tests): the operation stops here as if the process had died. */
export class InjectedFault extends Error {
  override readonly name = 'InjectedFault';
  constructor(readonly point: FaultPoint) {
    super(`fault injected at ${point}`);
  }
}

interface Armed {
  /** Hits left before it fires (1 = the next one). */
  remaining: number;
  mode: 'kill' | 'throw';
}

/** Armed points by name, "point" or "point:detail". */
let armed: Map<string, Armed> | null = fromEnv(process.env.PATHWAY_FAULTS);

/** Parses PATHWAY_FAULTS ("point[@n],..."); throws naming a point that does not exist. Pure apart from reading its argument. */
function fromEnv(value: string | undefined): Map<string, Armed> | null {
  if (!value || value.trim() === '') return null;
  const m = new Map<string, Armed>();
  for (const part of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [name, n] = part.split('@');
    const point = name!.split(':')[0]!;
    if (!(FAULT_POINTS as readonly string[]).includes(point)) throw new RangeError(`PATHWAY_FAULTS: unknown fault point ${JSON.stringify(point)}; the points are ${FAULT_POINTS.join(', ')}`);
    const count = n === undefined ? 1 : Number(n);
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`PATHWAY_FAULTS: the count after @ must be a whole number of at least 1, got ${JSON.stringify(n)} in ${JSON.stringify(part)}`);
    m.set(name!, { remaining: count, mode: 'kill' });
  }
  return m;
}

/** Arms points in this process: each throws InjectedFault on its `at`-th hit (default the first), once. Tests only. */
export function armFaults(points: Partial<Record<FaultPoint, number>> | FaultPoint[]): void {
  armed = new Map();
  const entries = Array.isArray(points) ? points.map((p) => [p, 1] as const) : Object.entries(points);
  for (const [p, n] of entries) armed.set(p, { remaining: n ?? 1, mode: 'throw' });
}

/** Disarms every point. */
export function disarmFaults(): void {
  armed = null;
}

/** Whether any point is armed (to skip work done only to name a detail). */
export function faultsArmed(): boolean {
  return armed !== null;
}

/**
 * An injection point: nothing unless a test armed it, as "point" or as
 * "point:detail" for one of the details given (the effect kinds at hand).
 * One call is one hit.
 */
export function fault(point: FaultPoint, ...details: string[]): void {
  if (armed === null) return;
  const qualified = details.map((d) => `${point}:${d}`).find((n) => armed!.has(n));
  const name = qualified ?? point;
  const a = armed.get(name);
  if (!a || --a.remaining > 0) return;
  armed.delete(name);
  if (a.mode === 'throw') throw new InjectedFault(point);
  // Say where, synchronously, then die as kill -9 would: no finally, no rollback, no close.
  writeSync(2, `pathway: fault injected at ${name}: killing process ${process.pid}\n`);
  process.kill(process.pid, 'SIGKILL');
  // SIGKILL to oneself lands on return from the system call; never run on meanwhile.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
}
