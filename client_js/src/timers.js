/**
 * Timers that keep running in a background tab.
 *
 * Browsers throttle timers of hidden pages (Chromium: to once a minute after five minutes
 * hidden), which would let an agent's console fall silent past the presence TTL and flap
 * offline. A dedicated Worker's timers are not throttled that way, so in a browser the
 * client's heartbeat and reconnect timers tick in a tiny Worker made from a Blob URL, and
 * fall back to the page's own timers where a Worker cannot be made (Node, a strict CSP).
 */

/**
 * The timer functions the client uses; `globalThis` has the same shape.
 * @typedef {object} Timers
 * @property {(fn: () => void, ms: number) => any} setTimeout
 * @property {(id: any) => void} clearTimeout
 * @property {(fn: () => void, ms: number) => any} setInterval
 * @property {(id: any) => void} clearInterval
 * @property {string} [kind]  'worker' or 'page', for tests and diagnostics
 * @property {() => void} [dispose]  stop the Worker, if any
 */

// The Worker's whole program: arm and cancel timers by id, post the id back when one fires.
const WORKER_SOURCE = `'use strict';
const timers = new Map();
onmessage = (event) => {
  const { op, id, ms } = event.data;
  if (op === 'clear') {
    clearTimeout(timers.get(id)); clearInterval(timers.get(id)); timers.delete(id);
  } else if (op === 'timeout') {
    timers.set(id, setTimeout(() => { timers.delete(id); postMessage(id); }, ms));
  } else if (op === 'interval') {
    timers.set(id, setInterval(() => postMessage(id), ms));
  }
};`;

/**
 * The page's own timers (what Node and a Worker-less page use).
 * @returns {Timers}
 */
export function pageTimers() {
  return {
    kind: 'page',
    setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
    clearTimeout: (id) => globalThis.clearTimeout(id),
    setInterval: (fn, ms) => globalThis.setInterval(fn, ms),
    clearInterval: (id) => globalThis.clearInterval(id),
  };
}

/**
 * Timers that tick in a Worker made from a Blob URL; null when no Worker can be made.
 * If the Worker fails later (a CSP that forbids blob: workers reports it asynchronously),
 * every armed timer moves over to the page's timers and later ones stay there.
 * @returns {Timers | null}
 */
export function workerTimers() {
  const { Worker, Blob, URL } = globalThis;
  if (typeof Worker !== 'function' || typeof Blob !== 'function' || typeof URL?.createObjectURL !== 'function') {
    return null;
  }
  let worker;
  let url;
  try {
    url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
    worker = new Worker(url);
  } catch {
    if (url) URL.revokeObjectURL(url);
    return null;
  }
  const fallback = pageTimers();
  /** @type {Map<number, {fn: () => void, ms: number, repeat: boolean, local?: any}>} */
  const armed = new Map();
  let nextId = 1;
  let failed = false;

  const fail = () => {
    if (failed) return;
    failed = true;
    timers.kind = 'page';
    worker.terminate();
    URL.revokeObjectURL(url);
    for (const [id, t] of armed) arm(id, t);
  };
  const arm = (id, t) => {
    if (failed) {
      t.local = t.repeat
        ? fallback.setInterval(t.fn, t.ms)
        : fallback.setTimeout(() => { armed.delete(id); t.fn(); }, t.ms);
    } else {
      worker.postMessage({ op: t.repeat ? 'interval' : 'timeout', id, ms: t.ms });
    }
  };
  const clear = (id) => {
    const t = armed.get(id);
    if (!t) return;
    armed.delete(id);
    if (failed) {
      fallback.clearTimeout(t.local);
      fallback.clearInterval(t.local);
    } else {
      worker.postMessage({ op: 'clear', id });
    }
  };
  worker.addEventListener('message', (event) => {
    const t = armed.get(event.data);
    if (!t) return;
    if (!t.repeat) armed.delete(event.data);
    t.fn();
  });
  worker.addEventListener('error', fail);

  /** @type {Timers} */
  const timers = {
    kind: 'worker',
    setTimeout(fn, ms) {
      const id = nextId++;
      const t = { fn, ms: Math.max(0, ms), repeat: false };
      armed.set(id, t);
      arm(id, t);
      return id;
    },
    setInterval(fn, ms) {
      const id = nextId++;
      const t = { fn, ms: Math.max(1, ms), repeat: true };
      armed.set(id, t);
      arm(id, t);
      return id;
    },
    clearTimeout: clear,
    clearInterval: clear,
    dispose() {
      for (const id of [...armed.keys()]) clear(id);
      timers.kind = 'page';
      if (!failed) {
        failed = true;
        worker.terminate();
        URL.revokeObjectURL(url);
      }
    },
  };
  return timers;
}

/**
 * The best timers here: a Worker's in a browser, the page's elsewhere.
 * @returns {Timers}
 */
export function defaultTimers() {
  return workerTimers() ?? pageTimers();
}
