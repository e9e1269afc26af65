/**
 * The one JavaScript table of WebSocket close codes (contract: WebSocket, "Close codes"),
 * and whether a client reconnects after each. Its Python twin is
 * server/frontdesk/core/errors.py (CloseCode); the literal numbers live only in these two.
 */

/**
 * What a client does after the server closed its socket with a code.
 * - `never`: give up (the token, the widget or the request itself is wrong; retrying cannot help).
 * - `soon`: reconnect at once, after the ordinary jittered backoff.
 * - `later`: reconnect, but only after a real pause (the server asked us to slow down).
 * @typedef {'never' | 'soon' | 'later'} Reconnect
 */

/** Close codes by name. */
export const CloseCode = Object.freeze({
  NORMAL: 1000,
  GOING_AWAY: 1001, // server shutting down: clients reconnect
  ABNORMAL: 1006, // no close frame at all: the network or the process died (never sent on the wire)
  TOO_BIG: 1009, // frame larger than FRONTDESK_MAX_FRAME
  INTERNAL_ERROR: 1011, // the server failed while handling this socket
  TRY_AGAIN_LATER: 1013, // the store is unreachable at hello
  SILENT: 4000, // no data frame for the presence TTL
  SLOW_READER: 4002, // too many bytes were waiting for this client
  UNAUTHORIZED: 4401, // bad, expired or missing token; bad first frame
  FORBIDDEN: 4403,
  UNKNOWN_WIDGET: 4404, // unknown or deleted widget
  NO_HELLO: 4408, // no hello within 10 s
  TOO_MANY_FRAMES: 4429,
});

/** @type {Readonly<Record<number, {name: string, reconnect: Reconnect, meaning: string}>>} */
export const CLOSE_CODES = Object.freeze({
  [CloseCode.NORMAL]: { name: 'NORMAL', reconnect: 'later', meaning: 'closed normally' },
  [CloseCode.GOING_AWAY]: { name: 'GOING_AWAY', reconnect: 'soon', meaning: 'server shutting down' },
  [CloseCode.ABNORMAL]: { name: 'ABNORMAL', reconnect: 'soon', meaning: 'connection lost' },
  [CloseCode.TOO_BIG]: { name: 'TOO_BIG', reconnect: 'later', meaning: 'frame too large' },
  [CloseCode.INTERNAL_ERROR]: { name: 'INTERNAL_ERROR', reconnect: 'later', meaning: 'server error' },
  [CloseCode.TRY_AGAIN_LATER]: { name: 'TRY_AGAIN_LATER', reconnect: 'later', meaning: 'server unavailable, try again later' },
  [CloseCode.SILENT]: { name: 'SILENT', reconnect: 'soon', meaning: 'silent too long' },
  [CloseCode.SLOW_READER]: { name: 'SLOW_READER', reconnect: 'later', meaning: 'too slow a reader' },
  [CloseCode.UNAUTHORIZED]: { name: 'UNAUTHORIZED', reconnect: 'never', meaning: 'not authenticated' },
  [CloseCode.FORBIDDEN]: { name: 'FORBIDDEN', reconnect: 'never', meaning: 'forbidden' },
  [CloseCode.UNKNOWN_WIDGET]: { name: 'UNKNOWN_WIDGET', reconnect: 'never', meaning: 'unknown or deleted widget' },
  [CloseCode.NO_HELLO]: { name: 'NO_HELLO', reconnect: 'later', meaning: 'no hello in time' },
  [CloseCode.TOO_MANY_FRAMES]: { name: 'TOO_MANY_FRAMES', reconnect: 'later', meaning: 'too many frames' },
});

/**
 * What to do after a close with `code` (codes not in the table: reconnect later).
 * @param {number} code
 * @returns {Reconnect}
 */
export function reconnectPolicy(code) {
  const entry = CLOSE_CODES[code];
  return entry ? entry.reconnect : 'later';
}

/**
 * A short human description of a close code.
 * @param {number} code
 * @returns {string}
 */
export function describeClose(code) {
  const entry = CLOSE_CODES[code];
  return entry ? entry.meaning : `closed (${code})`;
}
