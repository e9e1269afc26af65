// Types of the Frontdesk client library (client_js/src, bundled as static/frontdesk.js).

export type Encoding = 'msgpack' | 'json';
export type EncodingChoice = 'auto' | Encoding;
export type ClientState = 'idle' | 'connecting' | 'open' | 'waiting' | 'closed';
export type Reconnect = 'never' | 'soon' | 'later';
export type AgentStatus = 'online' | 'busy';
/** Who set an agent's status: the agent, auto-away, or the back office. */
export type StatusReason = 'agent' | 'idle' | 'api';

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(id: unknown): void;
  /** 'worker' (ticks in a Worker, not throttled in hidden tabs) or 'page'. */
  kind?: string;
  dispose?(): void;
}

export interface BackoffOptions {
  /** ms; default 500 */
  base?: number;
  /** ms; default 30000 */
  cap?: number;
  /** a number in [0, 1); default Math.random */
  random?: () => number;
}

export interface ClientOptions {
  /** The WebSocket endpoint; or give `server`. */
  url?: string;
  /** The Frontdesk origin (http, https, ws or wss); default: the page's own. */
  server?: string;
  /** A WebSocket constructor; default globalThis.WebSocket (Node < 22: pass the `ws` package). */
  WebSocket?: unknown;
  /** Third constructor argument, for Node's `ws` (e.g. {origin, headers}). */
  webSocketOptions?: object;
  /** 'auto' (default) offers MessagePack first and falls back to JSON. */
  encoding?: EncodingChoice;
  backoff?: BackoffOptions;
  /** Default: a Worker's timers in a browser (kept alive in hidden tabs), else the page's. */
  timers?: Timers;
}

export interface CloseInfo {
  /** The close code; 1006 when the connection was lost without one. */
  code: number;
  reason: string;
  meaning: string;
  /** Whether a reconnect is armed. */
  reconnect: boolean;
  /** ms until the reconnect, or null. */
  delay: number | null;
  attempt: number;
  /** true when close() was called. */
  byClient: boolean;
}

export interface WidgetStatusFrame {
  type: 'widget.status';
  widget: string;
  status: 'online' | 'offline';
  reason: 'manual' | 'schedule' | 'team_away';
  message: string;
  next_change: string | null;
}

export interface AgentStatusFrame {
  type: 'agent.status';
  agent: string;
  name: string;
  status: AgentStatus;
  status_reason?: StatusReason;
  connected: boolean;
  available: boolean;
}

export interface AgentRef {
  id: string;
  name: string;
}

export interface ConversationJoinedFrame {
  type: 'conversation.joined';
  conversation: string;
  widget: string;
  visitor: string;
  agents: AgentRef[];
  /** The visitor's first message, or null (contract v2). */
  text?: string | null;
  /** The address of the page the widget was on, or null (contract v2). */
  page?: string | null;
  /** Set on the events the client re-emits from a welcome (not sent by the server). */
  restored?: true;
}

export interface OfflineMessageCreatedFrame {
  type: 'offline_message.created';
  /** The message's id. */
  message: string;
  widget: string;
  visitor: string | null;
  email: string;
  text: string;
  created: string;
}

export interface OfflineMessageReadFrame {
  type: 'offline_message.read';
  message: string;
}

export interface ConversationQueuedFrame {
  type: 'conversation.queued';
  conversation: string;
  position: number;
  /** Seconds, or null while the account has no recent assignment from the queue. */
  estimated_wait?: number | null;
  /** Set on the events the client re-emits from a welcome (not sent by the server). */
  restored?: true;
}

export interface ConversationRejectedFrame {
  type: 'conversation.rejected';
  reason: 'queue_full';
  /** The widget's offline message. */
  message: string;
  widget: string;
  visitor: string;
}

export interface ConversationRevokedFrame {
  type: 'conversation.revoked';
  conversation: string;
  reason: 'agent_unavailable' | 'reassigned';
}

export interface ConversationClosedFrame {
  type: 'conversation.closed';
  conversation: string;
  reason?: 'closed' | 'expired' | 'abandoned';
  /** Set when the client found, at a welcome, that a conversation it knew open was closed meanwhile. */
  restored?: true;
}

export interface ErrorFrame {
  type: 'error';
  code: 'bad_frame' | 'unknown_type' | 'bad_field' | 'forbidden' | 'unavailable';
  message: string;
}

export interface AgentWelcomeFrame {
  type: 'welcome';
  session: string;
  heartbeat: number;
  agent: { id: string; name: string; status: AgentStatus; status_reason?: StatusReason };
  team: AgentStatusFrame[];
  widgets: WidgetStatusFrame[];
  /**
   * Beyond the contract: every open conversation this agent is in. The client re-emits them
   * as `conversation.joined` events (with `restored: true`) right after `open`.
   */
  conversations?: ConversationJoinedFrame[];
  /** Unread messages left while offline, newest first (contract v2). */
  offline_messages?: OfflineMessageCreatedFrame[];
}

export interface WidgetWelcomeFrame {
  type: 'welcome';
  session: string;
  heartbeat: number;
  visitor: string;
  widget: WidgetStatusFrame;
  /** Beyond the contract: the business's IANA time zone (for "Back Monday at 9:00"). */
  timezone?: string;
  /**
   * Beyond the contract: the visitor's open conversation on this widget, or null. The client
   * re-emits it as a `conversation.joined` or `conversation.queued` event (with
   * `restored: true`) right after `open`.
   */
  conversation?: ConversationJoinedFrame | ConversationQueuedFrame | null;
}

export interface Frame {
  type: string;
  [field: string]: unknown;
}

interface CommonEvents {
  state: ClientState;
  close: CloseInfo;
  frame: Frame;
  error: ErrorFrame;
  pong: Frame;
  'widget.status': WidgetStatusFrame;
  'conversation.joined': ConversationJoinedFrame;
  'conversation.closed': ConversationClosedFrame;
}

export interface AgentEvents extends CommonEvents {
  open: AgentWelcomeFrame;
  welcome: AgentWelcomeFrame;
  'agent.status': AgentStatusFrame;
  'offline_message.created': OfflineMessageCreatedFrame;
  'offline_message.read': OfflineMessageReadFrame;
  'conversation.revoked': ConversationRevokedFrame;
}

export interface WidgetEvents extends CommonEvents {
  open: WidgetWelcomeFrame;
  welcome: WidgetWelcomeFrame;
  'conversation.queued': ConversationQueuedFrame;
  'conversation.rejected': ConversationRejectedFrame;
}

export declare class FrontdeskClient<Events = CommonEvents> {
  constructor(options: ClientOptions, path: string);
  readonly url: string;
  readonly state: ClientState;
  /** The encoding of the live socket, or null before the first one opened. */
  readonly encoding: Encoding | null;
  readonly session: string | null;
  /** Seconds, from welcome. */
  readonly heartbeat: number | null;
  readonly lastClose: CloseInfo | null;
  readonly attempt: number;
  /** How many sockets were opened so far. */
  readonly connects: number;
  readonly timers: Timers;
  on<K extends keyof Events>(type: K, listener: (payload: Events[K]) => void): () => void;
  on(type: string, listener: (payload: any) => void): () => void;
  off(type: string, listener: (payload: any) => void): void;
  once<K extends keyof Events>(type: K): Promise<Events[K]>;
  once(type: string): Promise<any>;
  /** Start connecting; keeps reconnecting until close() or a close code that forbids it. */
  connect(): this;
  /** Close for good. */
  close(): void;
  /** Send a frame once open (after welcome); false otherwise. */
  send(frame: Frame): boolean;
  ping(): boolean;
}

export interface AgentOptions extends ClientOptions {
  /** The agent's JWT, or a function returning one (called before every connect). */
  token: string | (() => string | Promise<string>);
}

export interface Conversation extends ConversationJoinedFrame {
  closed: boolean;
}

export declare class FrontdeskAgent extends FrontdeskClient<AgentEvents> {
  constructor(options: AgentOptions);
  readonly agent: { id: string; name: string; status: AgentStatus; status_reason?: StatusReason } | null;
  /** Whether this page last told the server it is idle. */
  readonly idle: boolean;
  /** Conversations taken from this agent (reassigned), by id: the reason. */
  readonly revoked: Map<string, 'agent_unavailable' | 'reassigned'>;
  /** Send an `activity` frame when idleness changes; an idle page says so again on welcome. */
  setIdle(idle: boolean): boolean;
  readonly status: AgentStatus | null;
  readonly team: Map<string, AgentStatusFrame>;
  readonly widgets: Map<string, WidgetStatusFrame>;
  readonly conversations: Map<string, Conversation>;
  /** Unread messages left while the widgets were offline, by id. */
  readonly offlineMessages: Map<string, OfflineMessageCreatedFrame>;
  /** Sent now when open (true), else on the next welcome (false). */
  setStatus(status: AgentStatus): boolean;
  closeConversation(conversation: string): boolean;
}

export interface Storage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface WidgetOptions extends ClientOptions {
  widget: string;
  /** A visitor id to use; default: the one kept in `storage`, else one the server makes up. */
  visitor?: string;
  /** Where the visitor id is kept; default localStorage; null keeps nothing. */
  storage?: Storage | null;
  /** The page address sent in the hello (default: location.href; null: none; cut to 2,000 characters). */
  page?: string | null;
}

export interface LeaveMessageResult {
  ok: boolean;
  status: number;
  body: any;
  /** Seconds to wait after a 429. */
  retryAfter: number | null;
}

export interface VisitorConversation {
  id: string | null;
  state: 'starting' | 'queued' | 'assigned' | 'closed' | 'rejected';
  position: number | null;
  /** Seconds while queued; null without an estimate. */
  estimatedWait?: number | null;
  agents: AgentRef[];
  /** Why it ended (closed) or was refused (rejected). */
  reason?: 'closed' | 'expired' | 'abandoned' | 'queue_full';
  /** With `rejected`: the widget's offline message. */
  message?: string;
}

export declare class FrontdeskWidget extends FrontdeskClient<WidgetEvents> {
  constructor(options: WidgetOptions);
  readonly widget: string;
  readonly visitor: string | null;
  readonly status: WidgetStatusFrame | null;
  readonly isOnline: boolean;
  readonly conversation: VisitorConversation | null;
  /** Sent now when open (true), else on the next welcome (false). */
  startConversation(text?: string): boolean;
  readonly page: string | null;
  /** The business's IANA time zone, from the welcome (beyond the contract), or null. */
  readonly timezone: string | null;
  /** POST /api/v1/widgets/{widget}/messages: a message left while offline. */
  leaveMessage(message: { email: string; text: string }): Promise<LeaveMessageResult>;
}

export declare const MAX_PAGE: 2000;
export declare function pageForHello(page: unknown): string | null;

export declare const AGENT_STATUSES: readonly AgentStatus[];
export declare function visitorStorageKey(widget: string): string;
/** "1st", "2nd", "3rd", "11th"... */
export declare function ordinal(n: number): string;
/** "You are 3rd, about 4 min" (no estimate: "You are 3rd"). */
export declare function describeQueue(position: number | null, estimatedWait?: number | null): string;

export declare const IDLE_AFTER_MS: number;
export declare const INPUT_EVENTS: readonly string[];
export interface ActivityWatch {
  stop(): void;
  /** ms (the `now` clock) of the last input. */
  lastInput(): number;
  check(): void;
}
/** Idle after `idleAfter` ms without input (default one minute) or while hidden; input: active. */
export declare function watchActivity(agent: { setIdle(idle: boolean): unknown }, options?: {
  idleAfter?: number;
  document?: unknown;
  window?: unknown;
  now?: () => number;
  timers?: { setTimeout(fn: () => void, ms: number): unknown; clearTimeout(id: unknown): void };
}): ActivityWatch;
export declare function endpointUrl(path: string, server?: string): string;

export declare const BACKOFF_DEFAULTS: Readonly<{ base: number; cap: number }>;
/** Full jitter: uniform in [0, min(cap, base * 2^attempt)], whole ms. */
export declare function backoffDelay(attempt: number, options?: BackoffOptions): number;
export declare function backoffCeiling(attempt: number, options?: Omit<BackoffOptions, 'random'>): number;

export declare const CloseCode: Readonly<{
  NORMAL: 1000; GOING_AWAY: 1001; ABNORMAL: 1006; TOO_BIG: 1009; INTERNAL_ERROR: 1011; TRY_AGAIN_LATER: 1013;
  SILENT: 4000; SLOW_READER: 4002; UNAUTHORIZED: 4401; FORBIDDEN: 4403; UNKNOWN_WIDGET: 4404;
  NO_HELLO: 4408; TOO_MANY_FRAMES: 4429;
}>;
export declare const CLOSE_CODES: Readonly<Record<number, { name: string; reconnect: Reconnect; meaning: string }>>;
export declare function reconnectPolicy(code: number): Reconnect;
export declare function describeClose(code: number): string;

export declare const SUBPROTOCOLS: Readonly<{ msgpack: 'frontdesk.v1.msgpack'; json: 'frontdesk.v1.json' }>;
export declare function offeredProtocols(choice?: EncodingChoice): string[];
export declare function negotiatedEncoding(protocol: string, choice?: EncodingChoice): Encoding;
export declare function encodeFrame(frame: Frame, encoding: Encoding): string | Uint8Array;
export declare function decodeFrame(data: string | ArrayBuffer | ArrayBufferView): Frame | null;

export declare function defaultTimers(): Timers;
export declare function pageTimers(): Timers;
export declare function workerTimers(): Timers | null;
