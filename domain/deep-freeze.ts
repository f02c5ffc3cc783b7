/**
 * Freezes an object and everything inside it, so that a change in place
 * throws (modules are strict) instead of reaching whoever shares it. Returns
 * the same object. Not pure: freezes its argument.
 */
export function deepFreeze<T>(x: T): T {
  if (x !== null && typeof x === 'object' && !Object.isFrozen(x)) {
    for (const v of Object.values(x)) deepFreeze(v);
    Object.freeze(x);
  }
  return x;
}
