/**
 * Clocks for the embedded host: the system clock, or a simulated clock that
 * the scheduler moves to each timer's due time (`pathway tick`, simulations,
 * tests). Machines never read a clock; only hosts do.
 */
export interface Clock {
  /** Now, as an ISO instant (UTC). */
  now(): string;
}

/** The machine's real clock. Not pure. */
export const systemClock: Clock = { now: () => new Date().toISOString() };

/** A clock that only moves when told to. */
export class SimulatedClock implements Clock {
  private t: number;
  constructor(start: string) {
    this.t = Date.parse(start);
    if (Number.isNaN(this.t)) throw new RangeError(`SimulatedClock: not an ISO instant: ${JSON.stringify(start)}`);
  }
  now(): string {
    return new Date(this.t).toISOString();
  }
  /** Move to `instant`; never backwards. */
  advanceTo(instant: string): void {
    const t = Date.parse(instant);
    if (t > this.t) this.t = t;
  }
}
