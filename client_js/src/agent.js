/**
 * The agent's side: an agent console's connection to /ws/agent.
 */

import { FrontdeskClient, sameAgents } from './client.js';

/** The statuses an agent can choose (contract: Words, "agent status"). */
export const AGENT_STATUSES = Object.freeze(['online', 'busy']);

/**
 * @typedef {object} AgentStatusFrame
 * @property {'agent.status'} type
 * @property {string} agent
 * @property {string} name
 * @property {'online' | 'busy'} status
 * @property {'agent' | 'idle' | 'api'} [status_reason]  who set the status: the agent, auto-away
 *   (idle) or the back office (api)
 * @property {boolean} connected
 * @property {boolean} available
 *
 * @typedef {object} ConversationRevokedFrame
 * @property {'conversation.revoked'} type
 * @property {string} conversation
 * @property {'agent_unavailable' | 'reassigned'} reason
 *
 * @typedef {object} WidgetStatusFrame
 * @property {'widget.status'} type
 * @property {string} widget
 * @property {'online' | 'offline'} status
 * @property {'manual' | 'schedule' | 'team_away'} reason
 * @property {string} message
 * @property {string | null} next_change
 *
 * @typedef {object} ConversationJoinedFrame
 * @property {'conversation.joined'} type
 * @property {string} conversation
 * @property {string} widget
 * @property {string} visitor
 * @property {{id: string, name: string}[]} agents
 *
 * @typedef {ConversationJoinedFrame & {closed: boolean}} Conversation
 *
 * @typedef {object} AgentWelcomeFrame
 * @property {'welcome'} type
 * @property {string} session
 * @property {number} heartbeat
 * @property {{id: string, name: string, status: 'online' | 'busy', status_reason?: string}} agent
 * @property {AgentStatusFrame[]} team
 * @property {WidgetStatusFrame[]} widgets
 * @property {ConversationJoinedFrame[]} [conversations]  the open conversations this agent is
 *   in (beyond the contract; re-emitted as `conversation.joined` events after the welcome)
 *
 * @typedef {import('./client.js').ClientOptions & {
 *   token: string | (() => string | Promise<string>)
 * }} AgentOptions
 */

export class FrontdeskAgent extends FrontdeskClient {
  /**
   * @param {AgentOptions} options  `token`: the agent's JWT, or a function that returns one
   *   (called before every connect, so a back end can hand out fresh ones)
   */
  constructor(options) {
    super(options, '/ws/agent');
    if (!options.token) throw new TypeError('FrontdeskAgent needs a token');
    this.token = options.token;
    /** @type {{id: string, name: string, status: 'online' | 'busy', status_reason?: string} | null} */
    this.agent = null;
    /** @type {boolean} whether this page told the server it is idle (`activity` frame) */
    this.idle = false;
    /** @type {Map<string, string>} conversations taken from this agent, by id: the reason */
    this.revoked = new Map();
    /** @type {Map<string, AgentStatusFrame>} the team by agent id, this agent included */
    this.team = new Map();
    /** @type {Map<string, WidgetStatusFrame>} the account's widgets by id */
    this.widgets = new Map();
    /** @type {Map<string, Conversation>} conversations this agent joined, by id */
    this.conversations = new Map();
    /** @type {Map<string, object>} unread offline messages by id (offline_message.created payloads) */
    this.offlineMessages = new Map();
    /** @type {'online' | 'busy' | null} a status chosen while disconnected, sent on welcome */
    this._pendingStatus = null;
  }

  /** The agent's own status, or null before the first welcome. */
  get status() {
    return this.agent?.status ?? null;
  }

  async hello() {
    const token = typeof this.token === 'function' ? await this.token() : this.token;
    return { type: 'hello', token };
  }

  /**
   * Choose online or busy. Sent now when connected, else on the next welcome.
   * @param {'online' | 'busy'} status
   * @returns {boolean} whether it was sent now
   */
  setStatus(status) {
    if (!AGENT_STATUSES.includes(status)) throw new TypeError(`status must be online or busy, not ${status}`);
    if (this.send({ type: 'status', status })) {
      this._pendingStatus = null;
      return true;
    }
    this._pendingStatus = status;
    return false;
  }

  /**
   * Tell the server whether this page is idle (contract: the `activity` frame). Sent only when
   * it changes; a new connection counts as active, so an idle page says so again on welcome.
   * @param {boolean} idle
   * @returns {boolean} whether a frame was sent now
   */
  setIdle(idle) {
    const value = Boolean(idle);
    if (value === this.idle) return false;
    this.idle = value;
    return this.send({ type: 'activity', idle: value });
  }

  /**
   * Close a conversation of this account.
   * @param {string} conversation
   * @returns {boolean} whether it was sent
   */
  closeConversation(conversation) {
    return this.send({ type: 'conversation.close', conversation });
  }

  /** @param {AgentWelcomeFrame} frame */
  handleWelcome(frame) {
    this.agent = { ...frame.agent };
    this.team = new Map((frame.team ?? []).map((a) => [a.agent, a]));
    this.widgets = new Map((frame.widgets ?? []).map((w) => [w.widget, w]));
    if (Array.isArray(frame.offline_messages)) {
      this.offlineMessages = new Map(frame.offline_messages.map((m) => [m.message, m]));
    }
    if (this.idle) queueMicrotask(() => this.send({ type: 'activity', idle: true }));
    if (this._pendingStatus && this._pendingStatus !== this.agent.status) {
      const status = this._pendingStatus;
      queueMicrotask(() => this.setStatus(status));
    } else {
      this._pendingStatus = null;
    }
    return this._syncConversations(frame.conversations);
  }

  /**
   * Bring `conversations` in line with the welcome's list of open ones, and return the events
   * that tell the change (marked `restored: true`): `conversation.joined` for each one this
   * client did not know yet (all of them on the first welcome, after a page reload) or knew
   * with other agents, `conversation.closed` for each one it knew open that is no longer.
   * A server without the list (an older one) changes nothing.
   * @param {ConversationJoinedFrame[] | undefined} list
   * @returns {Array<ConversationJoinedFrame & {restored: true} | {type: 'conversation.closed', conversation: string, restored: true}>}
   */
  _syncConversations(list) {
    if (!Array.isArray(list)) return [];
    const events = [];
    const listed = new Set();
    for (const item of list) {
      if (!item || typeof item.conversation !== 'string') continue;
      const payload = { ...item, type: 'conversation.joined', agents: item.agents ?? [] };
      listed.add(payload.conversation);
      const known = this.conversations.get(payload.conversation);
      if (known && !known.closed && sameAgents(known.agents, payload.agents)) continue;
      this.handleFrame(payload);
      events.push({ ...payload, restored: true });
    }
    for (const [id, known] of this.conversations) {
      if (known.closed || listed.has(id)) continue;
      // Closed while this client was away: its conversation.closed went to a dead socket.
      const closed = { type: 'conversation.closed', conversation: id, restored: true };
      this.handleFrame(closed);
      events.push(closed);
    }
    return events;
  }

  handleFrame(frame) {
    switch (frame.type) {
      case 'agent.status':
        this.team.set(frame.agent, frame);
        if (this.agent && frame.agent === this.agent.id) {
          this.agent = {
            ...this.agent, name: frame.name ?? this.agent.name, status: frame.status,
            status_reason: frame.status_reason ?? this.agent.status_reason,
          };
        }
        break;
      case 'widget.status':
        this.widgets.set(frame.widget, frame);
        break;
      case 'conversation.joined': {
        // Keep what a page put on a conversation it knew (a start time, say).
        const known = this.conversations.get(frame.conversation);
        const { restored, ...payload } = frame;
        this.conversations.set(frame.conversation, { ...known, ...payload, closed: false });
        break;
      }
      case 'conversation.closed': {
        const known = this.conversations.get(frame.conversation);
        if (known) known.closed = true;
        break;
      }
      case 'offline_message.created':
        this.offlineMessages.set(frame.message, frame);
        break;
      case 'offline_message.read':
        this.offlineMessages.delete(frame.message);
        break;
      case 'conversation.revoked':
        // Taken from this agent (reassigned): it is no longer this agent's conversation.
        this.conversations.delete(frame.conversation);
        this.revoked.set(frame.conversation, frame.reason);
        break;
      default:
        break;
    }
  }
}
