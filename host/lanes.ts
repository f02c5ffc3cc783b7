/**
 * Lanes: work split by school and run side by side (each lane on a
 * connection of its own), so that while one lane's batch is in the database
 * the next is decided here. A school is in one lane only, so its work keeps
 * its order. Used by the tick (host/embedded.ts) and the simulation's hub
 * events (host/simulate.ts).
 */

/**
 * Runs lanes 0 to `count - 1` side by side and waits for every one to end:
 * none is left writing behind another's error, which is then thrown (the
 * first by lane). Not pure (runs `lane`).
 */
export async function runLanes(count: number, lane: (index: number) => Promise<void>): Promise<void> {
  checkLanes(count, 'runLanes');
  const ended = await Promise.allSettled(Array.from({ length: count }, (_, i) => lane(i)));
  const failed = ended.find((e): e is PromiseRejectedResult => e.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Throws a RangeError naming `who` unless `count` is a whole number of lanes (at least 1). Pure. */
export function checkLanes(count: number, who: string): number {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`${who}: lanes must be a whole number of at least 1 (got ${count})`);
  return count;
}

/** The lane of a school among `lanes`: a hash of its URN. Pure. */
export function laneOf(urn: string, lanes: number): number {
  let h = 0;
  for (let i = 0; i < urn.length; i++) h = (Math.imul(h, 31) + urn.charCodeAt(i)) | 0;
  return (h >>> 0) % lanes;
}
