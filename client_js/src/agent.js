/**
 * The agent's side: an agent console's connection to /ws/agent.
 */

import { FrontdeskClient } from './client.js';

/** The statuses an agent can choose (contract: Words, "agent status"). */
export const AGENT_STATUSES = Object.freeze(['online', 'busy']);

/**
 * @typedef {object} AgentStatusFrame
 * @property {'agent.status'} type
 * @property {string} agent
 * @property {string} name
 * @property {'online' | 'busy'} status
 * @property {boolean} connected
 * @property {boolean} available
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
    /** @type {{id: string, name: string, status: 'online' | 'busy'} | null} */
    this.agent = null;
    /** @type {Map<string, AgentStatusFrame>} the team by agent id, this agent included */
    this.team = new Map();
    /** @type {Map<string, WidgetStatusFrame>} the account's widgets by id */
    this.widgets = new Map();
    /** @type {Map<string, Conversation>} conversations this agent joined, by id */
    this.conversations = new Map();
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
   * Close a conversation of this account.
   * @param {string} conversation
   * @returns {boolean} whether it was sent
   */
  closeConversation(conversation) {
    return this.send({ type: 'conversation.close', conversation });
  }

  handleWelcome(frame) {
    this.agent = { ...frame.agent };
    this.team = new Map((frame.team ?? []).map((a) => [a.agent, a]));
    this.widgets = new Map((frame.widgets ?? []).map((w) => [w.widget, w]));
    if (this._pendingStatus && this._pendingStatus !== this.agent.status) {
      const status = this._pendingStatus;
      queueMicrotask(() => this.setStatus(status));
    } else {
      this._pendingStatus = null;
    }
  }

  handleFrame(frame) {
    switch (frame.type) {
      case 'agent.status':
        this.team.set(frame.agent, frame);
        if (this.agent && frame.agent === this.agent.id) {
          this.agent = { ...this.agent, name: frame.name ?? this.agent.name, status: frame.status };
        }
        break;
      case 'widget.status':
        this.widgets.set(frame.widget, frame);
        break;
      case 'conversation.joined':
        this.conversations.set(frame.conversation, { ...frame, closed: false });
        break;
      case 'conversation.closed': {
        const known = this.conversations.get(frame.conversation);
        if (known) known.closed = true;
        break;
      }
      default:
        break;
    }
  }
}
