/**
 * Idle detection for agent consoles (contract: Agents, the `activity` frame): a minute without
 * input, or the tab hidden, is idle; input is active. The server sets the agent busy only when
 * every live connection of the agent has been idle for the account's `auto_away_after`.
 */

/** Milliseconds without input after which a visible console counts as idle. */
export const IDLE_AFTER_MS = 60_000;

/** The DOM events that count as input. */
export const INPUT_EVENTS = Object.freeze(['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart', 'scroll', 'focus']);

/**
 * Report the page's idleness to the server through `agent.setIdle`.
 * @param {{setIdle: (idle: boolean) => unknown}} agent  a FrontdeskAgent
 * @param {object} [options]
 * @param {number} [options.idleAfter]  ms without input before idle (default one minute)
 * @param {Document} [options.document]
 * @param {Window | EventTarget} [options.window]
 * @param {() => number} [options.now]  ms clock (tests)
 * @param {{setTimeout: Function, clearTimeout: Function}} [options.timers]
 * @returns {{stop: () => void, lastInput: () => number, check: () => void}}
 *   `lastInput`: when the last input came (ms, `now`'s clock)
 */
export function watchActivity(agent, options = {}) {
  const doc = options.document ?? globalThis.document;
  const win = options.window ?? globalThis.window ?? doc;
  const idleAfter = options.idleAfter ?? IDLE_AFTER_MS;
  const now = options.now ?? (() => Date.now());
  const timers = options.timers ?? globalThis;
  let lastInput = now();
  let timer = null;

  const hidden = () => doc?.visibilityState === 'hidden';

  // One timer at a time, moved lazily: input only records its time, the timer re-arms for
  // whatever is left when it fires (no timer churn per mouse move).
  function arm(delay) {
    if (timer !== null) timers.clearTimeout(timer);
    timer = timers.setTimeout(check, Math.max(0, delay));
  }

  function check() {
    timer = null;
    if (hidden()) {
      agent.setIdle(true);
      return;
    }
    const quiet = now() - lastInput;
    if (quiet >= idleAfter) agent.setIdle(true);
    else arm(idleAfter - quiet);
  }

  function onInput() {
    lastInput = now();
    if (hidden()) return;
    agent.setIdle(false);
    if (timer === null) arm(idleAfter);
  }

  function onVisibility() {
    if (hidden()) agent.setIdle(true);
    else if (timer === null) arm(Math.max(0, idleAfter - (now() - lastInput)));
  }

  const opts = { passive: true, capture: true };
  for (const name of INPUT_EVENTS) win?.addEventListener?.(name, onInput, opts);
  doc?.addEventListener?.('visibilitychange', onVisibility);
  if (hidden()) agent.setIdle(true);
  else arm(idleAfter);

  return {
    stop() {
      if (timer !== null) timers.clearTimeout(timer);
      timer = null;
      for (const name of INPUT_EVENTS) win?.removeEventListener?.(name, onInput, opts);
      doc?.removeEventListener?.('visibilitychange', onVisibility);
    },
    lastInput: () => lastInput,
    check,
  };
}
