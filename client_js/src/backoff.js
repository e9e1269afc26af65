/**
 * Reconnect delays: exponential backoff with full jitter, capped.
 *
 * A pure function (the random source is an argument), so tests pin it down exactly.
 * See "Exponential Backoff And Jitter" (AWS architecture blog): full jitter spreads a
 * crowd of clients that lost the same server evenly over the window instead of in waves.
 */

/** @type {Readonly<{base: number, cap: number}>} */
export const BACKOFF_DEFAULTS = Object.freeze({ base: 500, cap: 30000 });

/**
 * The upper bound of the delay before reconnect attempt `attempt`: min(cap, base * 2^attempt).
 *
 * @param {number} attempt  0 for the first retry after a loss, 1 for the next, ...
 * @param {{base?: number, cap?: number}} [options]
 * @returns {number} milliseconds
 */
export function backoffCeiling(attempt, { base = BACKOFF_DEFAULTS.base, cap = BACKOFF_DEFAULTS.cap } = {}) {
  const n = Math.max(0, Math.floor(Number(attempt) || 0));
  // 2 ** 1100 is Infinity, and Math.min(cap, Infinity) is cap: no overflow to worry about.
  return Math.min(cap, base * 2 ** n);
}

/**
 * The delay before reconnect attempt `attempt`: uniform in [0, min(cap, base * 2^attempt)].
 *
 * @param {number} attempt  0 for the first retry after a loss, 1 for the next, ...
 * @param {{base?: number, cap?: number, random?: () => number}} [options]
 *   `random` returns a number in [0, 1), like Math.random (the default).
 * @returns {number} whole milliseconds
 */
export function backoffDelay(attempt, { base = BACKOFF_DEFAULTS.base, cap = BACKOFF_DEFAULTS.cap, random = Math.random } = {}) {
  const ceiling = backoffCeiling(attempt, { base, cap });
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(r * ceiling);
}
