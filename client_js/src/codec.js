/**
 * The only place frames become bytes on the client: JSON text frames or MessagePack
 * binary frames (contract: WebSocket, "Subprotocols").
 */

import { decode as unpack, encode as pack } from '@msgpack/msgpack';

/** The subprotocol names of the contract, by encoding. */
export const SUBPROTOCOLS = Object.freeze({
  msgpack: 'frontdesk.v1.msgpack',
  json: 'frontdesk.v1.json',
});

/** @typedef {'msgpack' | 'json'} Encoding */
/** @typedef {'auto' | Encoding} EncodingChoice */

/**
 * The subprotocols a client offers, best first: `auto` prefers MessagePack and accepts JSON.
 * @param {EncodingChoice} choice
 * @returns {string[]}
 */
export function offeredProtocols(choice = 'auto') {
  if (choice === 'json') return [SUBPROTOCOLS.json];
  if (choice === 'msgpack') return [SUBPROTOCOLS.msgpack];
  if (choice === 'auto') return [SUBPROTOCOLS.msgpack, SUBPROTOCOLS.json];
  throw new TypeError(`unknown encoding ${JSON.stringify(choice)}: use auto, msgpack or json`);
}

/**
 * The encoding a socket speaks once open: the subprotocol the server chose, or, when it chose
 * none, the client's first preference (the server then answers in the encoding of the hello).
 * @param {string} protocol  WebSocket#protocol after open ('' when none was chosen)
 * @param {EncodingChoice} choice
 * @returns {Encoding}
 */
export function negotiatedEncoding(protocol, choice = 'auto') {
  if (protocol === SUBPROTOCOLS.msgpack) return 'msgpack';
  if (protocol === SUBPROTOCOLS.json) return 'json';
  return choice === 'json' ? 'json' : 'msgpack';
}

/**
 * Encode one frame: a string for JSON, bytes for MessagePack.
 * @param {Record<string, unknown>} frame
 * @param {Encoding} encoding
 * @returns {string | Uint8Array}
 */
export function encodeFrame(frame, encoding) {
  return encoding === 'json' ? JSON.stringify(frame) : pack(frame);
}

/**
 * Decode one received frame, by its kind: a text frame is JSON, a binary frame MessagePack.
 * Returns null for anything that is not a map with a string `type`.
 * @param {string | ArrayBuffer | ArrayBufferView} data
 * @returns {Record<string, any> | null}
 */
export function decodeFrame(data) {
  let value;
  try {
    if (typeof data === 'string') {
      value = JSON.parse(data);
    } else if (data instanceof ArrayBuffer) {
      value = unpack(new Uint8Array(data));
    } else if (ArrayBuffer.isView(data)) {
      value = unpack(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    } else {
      return null;
    }
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  if (typeof value.type !== 'string') return null;
  return value;
}
