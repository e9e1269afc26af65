/**
 * The connection both clients share: hello, heartbeat, reconnect with backoff, events.
 *
 * States: `idle` (made, not started) -> `connecting` (socket opening, hello sent, no welcome
 * yet) -> `open` (welcome received) -> `waiting` (lost; a reconnect is armed) -> `connecting`
 * ... and `closed` (for good: the caller called close(), or a close code says never retry).
 */

import { backoffDelay, BACKOFF_DEFAULTS } from './backoff.js';
import { CloseCode, describeClose, reconnectPolicy } from './close_codes.js';
import { decodeFrame, encodeFrame, negotiatedEncoding, offeredProtocols } from './codec.js';
import { defaultTimers } from './timers.js';

/** Reconnect attempts after a "later" close code start at least this far up the backoff. */
const LATER_MIN_ATTEMPT = 3;

/**
 * @typedef {'idle' | 'connecting' | 'open' | 'waiting' | 'closed'} ClientState
 *
 * @typedef {object} CloseInfo
 * @property {number} code  the close code (1006 when the connection was lost without one)
 * @property {string} reason
 * @property {string} meaning  a short human description of the code
 * @property {boolean} reconnect  whether a reconnect is armed
 * @property {number | null} delay  milliseconds until it, or null
 * @property {number} attempt  the reconnect attempt it is (0 = first after a good connection)
 * @property {boolean} byClient  true when close() was called
 *
 * @typedef {object} ClientOptions
 * @property {string} [url]  the WebSocket endpoint; or give `server`
 * @property {string} [server]  the Frontdesk origin (http, https, ws or wss); default: the page's
 * @property {any} [WebSocket]  a WebSocket constructor; default globalThis.WebSocket (Node < 22: pass `ws`)
 * @property {object} [webSocketOptions]  third constructor argument, for Node's `ws` (headers, origin)
 * @property {import('./codec.js').EncodingChoice} [encoding]  'auto' (MessagePack, else JSON), 'msgpack' or 'json'
 * @property {{base?: number, cap?: number, random?: () => number}} [backoff]  reconnect delays (ms)
 * @property {import('./timers.js').Timers} [timers]  default: a Worker's timers in a browser
 */

/**
 * The absolute WebSocket URL of `path` on `server` (or on the page's own origin).
 * @param {string} path  e.g. '/ws/agent'
 * @param {string} [server]
 * @returns {string}
 */
export function endpointUrl(path, server) {
  const base = server ?? globalThis.location?.href;
  if (!base) throw new TypeError('no server: pass {server: "http://host:port"} or {url}');
  const url = new URL(path, base);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  return url.href;
}

/**
 * Whether two lists of agents ({id, name}) name the same agents, order aside.
 * @param {{id: string}[]} [a]
 * @param {{id: string}[]} [b]
 */
export function sameAgents(a = [], b = []) {
  if (a.length !== b.length) return false;
  const ids = new Set(a.map((x) => x.id));
  return b.every((x) => ids.has(x.id));
}

export class FrontdeskClient {
  /**
   * @param {ClientOptions} options
   * @param {string} path  the endpoint path, used when options.url is not given
   */
  constructor(options, path) {
    this.url = options.url ?? endpointUrl(path, options.server);
    this.WebSocket = options.WebSocket ?? globalThis.WebSocket;
    if (typeof this.WebSocket !== 'function') {
      throw new TypeError('no WebSocket here: pass {WebSocket} (in Node < 22, the `ws` package)');
    }
    this.webSocketOptions = options.webSocketOptions;
    this.encodingChoice = options.encoding ?? 'auto';
    this.protocols = offeredProtocols(this.encodingChoice);
    this.backoff = { ...BACKOFF_DEFAULTS, ...options.backoff };
    this._ownTimers = !options.timers;
    this.timers = options.timers ?? defaultTimers();
    /** @type {ClientState} */
    this.state = 'idle';
    /** @type {import('./codec.js').Encoding | null} the encoding of the live socket */
    this.encoding = null;
    /** @type {string | null} */
    this.session = null;
    /** @type {number | null} seconds, from welcome */
    this.heartbeat = null;
    /** @type {CloseInfo | null} */
    this.lastClose = null;
    this.attempt = 0;
    this.connects = 0;
    this._listeners = new Map();
    this._socket = null;
    this._retryTimer = null;
    this._beatTimer = null;
    this._lastSent = 0;
    this._lastReceived = 0;
    this._onVisible = null;
  }

  // ---- events ----------------------------------------------------------------------------

  /**
   * Listen to an event: a frame type ('widget.status', 'agent.status', 'conversation.joined',
   * 'conversation.queued', 'conversation.closed', 'error', 'pong', 'welcome'), or 'open'
   * (welcome received), 'close' (CloseInfo), 'state' (ClientState), 'frame' (every frame).
   * @param {string} type
   * @param {(payload: any) => void} listener
   * @returns {() => void} a function that removes the listener
   */
  on(type, listener) {
    if (!this._listeners.has(type)) this._listeners.set(type, new Set());
    this._listeners.get(type).add(listener);
    return () => this.off(type, listener);
  }

  /** @param {string} type @param {(payload: any) => void} listener */
  off(type, listener) {
    this._listeners.get(type)?.delete(listener);
  }

  /**
   * Resolve with the next event of `type`.
   * @param {string} type
   * @returns {Promise<any>}
   */
  once(type) {
    return new Promise((resolve) => {
      const off = this.on(type, (payload) => {
        off();
        resolve(payload);
      });
    });
  }

  /** @param {string} type @param {any} payload */
  emit(type, payload) {
    for (const listener of [...(this._listeners.get(type) ?? [])]) {
      try {
        listener(payload);
      } catch (error) {
        // A listener's bug must not break the connection; report it where it can be seen.
        globalThis.reportError ? globalThis.reportError(error) : console.error(error);
      }
    }
  }

  // ---- life cycle ------------------------------------------------------------------------

  /** Start connecting (and keep reconnecting until close()). Returns this. */
  connect() {
    if (this.state === 'idle' || this.state === 'closed') {
      // close() stopped the Worker behind our own timers: a new start gets a new one.
      if (this.state === 'closed' && this._ownTimers) this.timers = defaultTimers();
      this.attempt = 0;
      this._watchVisibility();
      this._open();
    }
    return this;
  }

  /** Close for good: no reconnect. */
  close() {
    if (this.state === 'closed') return;
    this._stopHeartbeat();
    this.timers.clearTimeout(this._retryTimer);
    this._retryTimer = null;
    this._unwatchVisibility();
    const socket = this._socket;
    this._socket = null;
    if (socket) {
      this._detach(socket);
      try {
        socket.close(CloseCode.NORMAL);
      } catch {
        // already closing
      }
    }
    this.lastClose = {
      code: CloseCode.NORMAL, reason: '', meaning: 'closed by the client', reconnect: false,
      delay: null, attempt: this.attempt, byClient: true,
    };
    this._setState('closed');
    this.emit('close', this.lastClose);
    this.timers.dispose?.();
  }

  /**
   * Send a frame on the open connection (after welcome). False when not open.
   * @param {Record<string, unknown> & {type: string}} frame
   * @returns {boolean}
   */
  send(frame) {
    if (this.state !== 'open') return false;
    return this._write(frame);
  }

  /** Send a ping now (the heartbeat does this by itself). */
  ping() {
    return this.send({ type: 'ping' });
  }

  // ---- for subclasses --------------------------------------------------------------------

  /** The hello frame to send on each new socket. @returns {Promise<object> | object} */
  hello() {
    return { type: 'hello' };
  }

  /**
   * Called with the welcome frame before 'open' is emitted. May return frames that the
   * welcome stands for (e.g. the open conversations it lists): each is emitted as an event of
   * its type right after 'welcome' and 'open' (not as 'frame', which stays the wire frames).
   * @param {any} _frame
   * @returns {Array<{type: string}> | void}
   */
  handleWelcome(_frame) {}

  /** Called with every frame after welcome, before its event is emitted. @param {any} _frame */
  handleFrame(_frame) {}

  /** Called with an error frame that came before welcome. @param {any} _frame */
  handleEarlyError(_frame) {}

  // ---- internals -------------------------------------------------------------------------

  _setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', state);
  }

  async _open() {
    this._setState('connecting');
    let hello;
    try {
      hello = await this.hello();
    } catch (error) {
      // No credentials to be had (e.g. a token callback failed): like a failed connect.
      this._lost({ code: CloseCode.ABNORMAL, reason: String(error?.message ?? error) });
      return;
    }
    if (this.state !== 'connecting') return; // close() was called meanwhile
    let socket;
    try {
      socket = this.webSocketOptions
        ? new this.WebSocket(this.url, this.protocols, this.webSocketOptions)
        : new this.WebSocket(this.url, this.protocols);
    } catch (error) {
      this._lost({ code: CloseCode.ABNORMAL, reason: String(error?.message ?? error) });
      return;
    }
    socket.binaryType = 'arraybuffer';
    this._socket = socket;
    this.connects += 1;
    socket.onopen = () => {
      this.encoding = negotiatedEncoding(socket.protocol, this.encodingChoice);
      this._lastReceived = this._now();
      this._write(hello);
    };
    socket.onmessage = (event) => this._receive(event.data);
    socket.onclose = (event) => {
      if (this._socket !== socket) return;
      this._socket = null;
      this._lost({ code: event.code || CloseCode.ABNORMAL, reason: event.reason ?? '' });
    };
    socket.onerror = () => {
      // A 'close' event always follows an 'error' one; that is where we act.
    };
  }

  _detach(socket) {
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
  }

  _write(frame) {
    const socket = this._socket;
    if (!socket || socket.readyState !== 1) return false;
    try {
      socket.send(encodeFrame(frame, this.encoding ?? 'json'));
    } catch {
      return false;
    }
    this._lastSent = this._now();
    return true;
  }

  _receive(data) {
    this._lastReceived = this._now();
    const frame = decodeFrame(data);
    if (!frame) return;
    // A heartbeat from the message handler too: in a hidden tab whose timers are throttled,
    // any frame the server pushes is a chance to keep the connection counted.
    if (this.state === 'open' && this._isHeartbeatDue()) this.ping();
    if (frame.type === 'welcome') {
      this.session = frame.session ?? null;
      this.heartbeat = Number(frame.heartbeat) > 0 ? Number(frame.heartbeat) : 10;
      this.attempt = 0;
      const implied = this.handleWelcome(frame) ?? [];
      this._setState('open');
      this._startHeartbeat();
      this.emit('frame', frame);
      this.emit('welcome', frame);
      this.emit('open', frame);
      for (const event of implied) {
        // A listener above may have closed the client: then the rest is moot.
        if (this.state !== 'open') break;
        this.emit(event.type, event);
      }
      return;
    }
    if (this.state === 'open') this.handleFrame(frame);
    else if (frame.type === 'error') this.handleEarlyError(frame);
    this.emit('frame', frame);
    this.emit(frame.type, frame);
  }

  /** The connection ended without close(): decide, by the code, whether and when to retry. */
  _lost({ code, reason }) {
    this._stopHeartbeat();
    const policy = reconnectPolicy(code);
    const info = {
      code, reason, meaning: describeClose(code), reconnect: policy !== 'never',
      delay: null, attempt: this.attempt, byClient: false,
    };
    if (policy === 'never') {
      this.lastClose = info;
      this._unwatchVisibility();
      this._setState('closed');
      this.emit('close', info);
      this.timers.dispose?.();
      return;
    }
    const attempt = policy === 'later' ? Math.max(this.attempt, LATER_MIN_ATTEMPT) : this.attempt;
    let delay = backoffDelay(attempt, this.backoff);
    if (policy === 'later') delay = Math.max(delay, this.backoff.base);
    info.attempt = attempt;
    info.delay = delay;
    this.attempt = attempt + 1;
    this.lastClose = info;
    this._setState('waiting');
    this._retryTimer = this.timers.setTimeout(() => {
      this._retryTimer = null;
      if (this.state === 'waiting') this._open();
    }, delay);
    this.emit('close', info);
  }

  _now() {
    return Date.now();
  }

  _heartbeatMs() {
    return Math.max(50, (this.heartbeat ?? 10) * 1000);
  }

  _isHeartbeatDue() {
    return this._now() - this._lastSent >= this._heartbeatMs() * 0.75;
  }

  _startHeartbeat() {
    this._stopHeartbeat();
    // Tick twice per heartbeat; send a ping when nothing went out for most of one.
    this._beatTimer = this.timers.setInterval(() => this._beat(), this._heartbeatMs() / 2);
  }

  _stopHeartbeat() {
    if (this._beatTimer !== null) this.timers.clearInterval(this._beatTimer);
    this._beatTimer = null;
  }

  _beat() {
    if (this.state !== 'open') return;
    // Nothing heard for three heartbeats, pongs included: the connection is dead even if
    // the TCP socket does not know it yet (a sleeping laptop, a dropped NAT entry).
    if (this._now() - this._lastReceived > 3 * this._heartbeatMs() + 2000) {
      this._abandon();
      return;
    }
    if (this._isHeartbeatDue()) this.ping();
  }

  /** Give up on the current socket at once and handle it as a lost connection. */
  _abandon() {
    const socket = this._socket;
    if (!socket) return;
    this._socket = null;
    this._detach(socket);
    try {
      socket.close();
    } catch {
      // nothing to do: it is being dropped anyway
    }
    this._lost({ code: CloseCode.ABNORMAL, reason: 'no answer from the server' });
  }

  /** When a hidden tab comes back, heartbeat at once and check the connection. */
  _watchVisibility() {
    const doc = globalThis.document;
    if (!doc?.addEventListener || this._onVisible) return;
    this._onVisible = () => {
      if (doc.visibilityState !== 'visible') return;
      if (this.state === 'open') this._beat();
    };
    doc.addEventListener('visibilitychange', this._onVisible);
  }

  _unwatchVisibility() {
    if (this._onVisible) globalThis.document?.removeEventListener('visibilitychange', this._onVisible);
    this._onVisible = null;
  }
}
