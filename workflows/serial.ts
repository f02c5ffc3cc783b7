/**
 * Runs async jobs one at a time, in the order they were asked for. The school
 * workflow's update handlers, signals and timers all change one snapshot and
 * one stream version, so each decide-record-apply step must finish before the
 * next starts. Deterministic (plain promises): safe in the workflow sandbox.
 */
export class Serial {
  #tail: Promise<unknown> = Promise.resolve();

  /** Run `job` after every job asked for before it; resolves or rejects with its result. */
  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(job);
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
