// How much V8 lets a long-running host's heap grow before its next full
// collection. By default V8 grows the old generation by up to four times
// what survived the last one; a host's garbage is short-lived but plentiful
// (a batch's decided states, its SQL text), so a simulation of 10,000
// schools x 2 years with 70-135 MB live peaked at 663-854 MB RSS. Twice
// what survived keeps it nearer its live memory for a little more CPU: at
// 5,000 schools x 2 years with npm start's young generation, peak RSS 739 ->
// 507-527 MB, host CPU 115 -> 124-132 s (docs/measurements.md, 2026-12-05).
// Set at run time (V8 reads it at each collection), so `pathway simulate`,
// the server, the worker, the durable bench's host and the API bench's
// server all get it alike.
import { setFlagsFromString } from 'node:v8';

/** The V8 option: the heap may grow to twice what survived a full collection. */
export const HOST_HEAP_GROWTH = '--heap-growing-percent=100';

/** Gives this process a long-running host's heap growth. Not pure (sets a V8 flag). */
export function useHostHeap() {
  setFlagsFromString(HOST_HEAP_GROWTH);
}
