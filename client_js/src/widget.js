/**
 * The visitor's side: a chat widget's connection to /ws/widget/{widget}.
 */

import { FrontdeskClient, sameAgents } from './client.js';

/**
 * @typedef {import('./agent.js').WidgetStatusFrame} WidgetStatusFrame
 *
 * @typedef {object} VisitorConversation
 * @property {string | null} id  null until the server names it
 * @property {'starting' | 'queued' | 'assigned' | 'closed' | 'rejected'} state
 * @property {number | null} position  place in the queue, 1 = next
 * @property {number | null} [estimatedWait]  seconds, while queued (null: no estimate yet)
 * @property {{id: string, name: string}[]} agents  the agents who joined
 * @property {'closed' | 'expired' | 'abandoned' | 'queue_full'} [reason]  why it ended: closed
 *   by an agent, waited too long in the queue, left the queue, or refused (queue full)
 * @property {string} [message]  with `rejected`: the widget's offline message
 *
 * @typedef {import('./agent.js').ConversationJoinedFrame} ConversationJoinedFrame
 *
 * @typedef {object} ConversationQueuedFrame
 * @property {'conversation.queued'} type
 * @property {string} conversation
 * @property {number} position
 * @property {number | null} [estimated_wait]  seconds
 *
 * @typedef {object} ConversationRejectedFrame
 * @property {'conversation.rejected'} type
 * @property {'queue_full'} reason
 * @property {string} message  the widget's offline message
 * @property {string} widget
 * @property {string} visitor
 *
 * @typedef {object} WidgetWelcomeFrame
 * @property {'welcome'} type
 * @property {string} session
 * @property {number} heartbeat
 * @property {string} visitor
 * @property {WidgetStatusFrame} widget
 * @property {ConversationJoinedFrame | ConversationQueuedFrame | null} [conversation]  the
 *   visitor's open conversation on this widget (beyond the contract; re-emitted as a
 *   `conversation.joined` or `conversation.queued` event after the welcome)
 *
 * @typedef {object} Storage  the part of the Web Storage API the widget uses
 * @property {(key: string) => string | null} getItem
 * @property {(key: string, value: string) => void} setItem
 * @property {(key: string) => void} removeItem
 *
 * @typedef {import('./client.js').ClientOptions & {
 *   widget: string,
 *   visitor?: string,
 *   storage?: Storage | null,
 *   page?: string | null,
 * }} WidgetOptions
 */

/** The longest `page` a hello may carry (contract v2), in characters. */
export const MAX_PAGE = 2000;

/** A page address the server takes: at most MAX_PAGE characters (never half a surrogate pair). */
export function pageForHello(page) {
  if (typeof page !== 'string' || page === '') return null;
  const chars = Array.from(page);
  return chars.length <= MAX_PAGE ? page : chars.slice(0, MAX_PAGE).join('');
}

/** The HTTP(S) origin of a ws(s):// endpoint. @param {string} url */
function httpBase(url) {
  const u = new URL(url);
  u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:';
  return u.origin;
}

/** Where the visitor id of a widget is kept. @param {string} widget */
export function visitorStorageKey(widget) {
  return `frontdesk.visitor.${widget}`;
}

/** localStorage when this page may use it (sandboxed frames and some privacy modes may not). */
function defaultStorage() {
  try {
    const storage = globalThis.localStorage;
    if (!storage) return null;
    storage.getItem('frontdesk.probe');
    return storage;
  } catch {
    return null;
  }
}


/** 1st, 2nd, 3rd, 4th, 11th, 22nd... @param {number} n */
export function ordinal(n) {
  const mod100 = n % 100;
  if (mod100 >= 11 && mod100 <= 13) return `${n}th`;
  const suffix = { 1: 'st', 2: 'nd', 3: 'rd' }[n % 10] ?? 'th';
  return `${n}${suffix}`;
}

/**
 * The queue line a visitor reads: "You are 3rd, about 4 min" (contract: An honest queue).
 * @param {number | null} position  1 = next
 * @param {number | null | undefined} estimatedWait  seconds, or null when there is no estimate
 */
export function describeQueue(position, estimatedWait) {
  const where = position === 1 ? 'You are next' : position ? `You are ${ordinal(position)}` : 'You are in line';
  if (typeof estimatedWait !== 'number' || !Number.isFinite(estimatedWait)) return where;
  if (estimatedWait < 45) return `${where}, less than a minute`;
  return `${where}, about ${Math.max(1, Math.round(estimatedWait / 60))} min`;
}

export class FrontdeskWidget extends FrontdeskClient {
  /**
   * @param {WidgetOptions} options  `widget`: the widget id; `visitor`: a visitor id to use
   *   (default: the one kept in `storage`, localStorage by default, else one the server makes up);
   *   `page`: the address the widget is on, sent in the hello so agents see it (default: this
   *   page's address in a browser; null sends none; cut to 2,000 characters)
   */
  constructor(options) {
    if (!options.widget) throw new TypeError('FrontdeskWidget needs a widget id');
    super(options, `/ws/widget/${encodeURIComponent(options.widget)}`);
    this.widget = options.widget;
    this.storage = options.storage === undefined ? defaultStorage() : options.storage;
    this.storageKey = visitorStorageKey(options.widget);
    /** @type {string | null} */
    this.visitor = options.visitor ?? this._readVisitor();
    /** @type {string | null} */
    this.page = pageForHello(options.page === undefined ? globalThis.location?.href : options.page);
    /** @type {string | null} the business's IANA time zone, from the welcome (beyond the contract) */
    this.timezone = null;
    /** @type {WidgetStatusFrame | null} */
    this.status = null;
    /** @type {VisitorConversation | null} */
    this.conversation = null;
    /** @type {string | undefined | null} text of a conversation asked for while disconnected */
    this._pendingStart = null;
    /** @type {string} text of the last conversation asked for */
    this._startText = '';
  }

  /** True when the widget is online (agents can be reached). */
  get isOnline() {
    return this.status?.status === 'online';
  }

  hello() {
    const frame = { type: 'hello' };
    if (this.visitor) frame.visitor = this.visitor;
    if (this.page) frame.page = this.page;
    return frame;
  }

  /**
   * Leave a message for the team (for when the widget is offline): POST
   * /api/v1/widgets/{widget}/messages. Resolves to `{ok, status, body}`: 201 with
   * `{message, created}`; 422 with `fields` (`email`, `text`); 429 with `retryAfter` seconds.
   * @param {{email: string, text: string}} message
   */
  async leaveMessage({ email, text }) {
    const body = { email, text };
    if (this.visitor) body.visitor = this.visitor;
    const url = `${httpBase(this.url)}/api/v1/widgets/${encodeURIComponent(this.widget)}/messages`;
    const response = await fetch(url, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
    });
    let answer = null;
    try { answer = await response.json(); } catch { answer = null; }
    const retry = Number(response.headers.get('Retry-After'));
    return {
      ok: response.ok, status: response.status, body: answer,
      retryAfter: Number.isFinite(retry) && retry > 0 ? retry : null,
    };
  }

  /**
   * Start a conversation (sent now when connected, else on the next welcome).
   * @param {string} [text]  the visitor's first message
   * @returns {boolean} whether it was sent now
   */
  startConversation(text) {
    this.conversation = { id: null, state: 'starting', position: null, agents: [] };
    this._startText = text ?? '';
    const frame = text ? { type: 'conversation.start', text } : { type: 'conversation.start' };
    if (this.send(frame)) {
      this._pendingStart = null;
      return true;
    }
    this._pendingStart = text ?? '';
    return false;
  }

  /** @param {WidgetWelcomeFrame} frame */
  handleWelcome(frame) {
    this.visitor = frame.visitor ?? this.visitor;
    this._writeVisitor(this.visitor);
    this.status = frame.widget ?? null;
    this.timezone = typeof frame.timezone === 'string' ? frame.timezone : this.timezone;
    const events = 'conversation' in frame ? this._syncConversation(frame.conversation) : [];
    const c = this.conversation;
    if (c?.state === 'starting' && this._pendingStart === null && 'conversation' in frame) {
      // A start sent on a socket that died before the answer, and the server has no open
      // conversation for us: ask again (a start is idempotent while one is open).
      this._pendingStart = this._startText;
    }
    if (this._pendingStart !== null) {
      const text = this._pendingStart;
      this._pendingStart = null;
      queueMicrotask(() => this.startConversation(text || undefined));
    }
    return events;
  }

  /**
   * Bring `conversation` in line with the welcome's open one and return the event that tells
   * the change (marked `restored: true`): its `conversation.joined` or `conversation.queued`
   * when this client did not know it so (always after a page reload), or
   * `conversation.closed` when the one it knew open is no longer.
   * @param {ConversationJoinedFrame | ConversationQueuedFrame | null | undefined} open
   */
  _syncConversation(open) {
    const c = this.conversation;
    if (open && typeof open.conversation === 'string'
        && (open.type === 'conversation.joined' || open.type === 'conversation.queued')) {
      if (c?.state === 'starting') this._pendingStart = null; // the server has it already
      const unchanged = c?.id === open.conversation && (open.type === 'conversation.queued'
        ? c.state === 'queued' && c.position === (open.position ?? null)
          && (c.estimatedWait ?? null) === (open.estimated_wait ?? null)
        : c.state === 'assigned' && sameAgents(c.agents, open.agents ?? []));
      if (unchanged) return [];
      if (c && c.id !== open.conversation && c.id !== null) this.conversation = null;
      this.handleFrame(open);
      return [{ ...open, restored: true }];
    }
    if (c?.id && (c.state === 'queued' || c.state === 'assigned')) {
      // Closed (or given up, for a queued visitor away too long) while this client was away.
      const closed = { type: 'conversation.closed', conversation: c.id, restored: true };
      this.handleFrame(closed);
      return [closed];
    }
    return [];
  }

  handleEarlyError(frame) {
    // A page the server will not take: say hello again without it.
    if (frame.code === 'bad_field' && this.page && /page/.test(frame.message ?? '')) {
      this.page = null;
      this._write(this.hello());
      return;
    }
    // A visitor id the server will not take (a tampered store): forget it and say hello anew.
    if (frame.code === 'bad_field' && this.visitor) {
      this.visitor = null;
      this._forgetVisitor();
      this._write(this.hello());
    }
  }

  handleFrame(frame) {
    const c = this.conversation;
    switch (frame.type) {
      case 'widget.status':
        this.status = frame;
        break;
      case 'conversation.queued':
        this.conversation = {
          id: frame.conversation, state: 'queued', position: frame.position ?? null,
          estimatedWait: frame.estimated_wait ?? null,
          agents: c?.id === frame.conversation ? c.agents : [],
        };
        break;
      case 'conversation.rejected':
        // Refused (the queue is full): nothing was created; the offline message says why.
        this._pendingStart = null;
        this.conversation = {
          id: null, state: 'rejected', position: null, agents: [],
          reason: frame.reason ?? 'queue_full', message: frame.message ?? '',
        };
        break;
      case 'conversation.joined': {
        const same = c && (c.id === frame.conversation || c.id === null);
        const agents = same ? [...c.agents] : [];
        for (const a of frame.agents ?? []) {
          if (!agents.some((b) => b.id === a.id)) agents.push(a);
        }
        this.conversation = { id: frame.conversation, state: 'assigned', position: null, agents };
        break;
      }
      case 'conversation.closed':
        if (!c || c.id === frame.conversation || c.id === null) {
          this.conversation = {
            id: frame.conversation, state: 'closed', position: null, agents: c?.agents ?? [],
            reason: frame.reason ?? 'closed',
          };
        }
        break;
      default:
        break;
    }
  }

  _readVisitor() {
    try {
      return this.storage?.getItem(this.storageKey) ?? null;
    } catch {
      return null;
    }
  }

  _writeVisitor(visitor) {
    try {
      if (visitor) this.storage?.setItem(this.storageKey, visitor);
    } catch {
      // storage full or forbidden: the visitor just gets a new id next time
    }
  }

  _forgetVisitor() {
    try {
      this.storage?.removeItem(this.storageKey);
    } catch {
      // nothing kept, nothing to forget
    }
  }
}
