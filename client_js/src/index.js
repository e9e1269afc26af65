/**
 * Frontdesk's client library: `FrontdeskAgent` for agent consoles, `FrontdeskWidget` for chat
 * widgets. Works in browsers (`<script type="module">`) and in Node (pass `ws` as WebSocket
 * before Node 22).
 */

export { FrontdeskAgent, AGENT_STATUSES } from './agent.js';
export {
  FrontdeskWidget, visitorStorageKey, pageForHello, MAX_PAGE, describeQueue, ordinal,
} from './widget.js';
export { watchActivity, IDLE_AFTER_MS, INPUT_EVENTS } from './activity.js';
export { FrontdeskClient, endpointUrl } from './client.js';
export { backoffDelay, backoffCeiling, BACKOFF_DEFAULTS } from './backoff.js';
export { CloseCode, CLOSE_CODES, reconnectPolicy, describeClose } from './close_codes.js';
export { SUBPROTOCOLS, encodeFrame, decodeFrame, offeredProtocols, negotiatedEncoding } from './codec.js';
export { defaultTimers, pageTimers, workerTimers } from './timers.js';
export { describeNextChange, zoneLabel, localZone } from './when.js';
