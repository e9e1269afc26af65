// Pure parts of the client: backoff, the close-code table, the codec. No server needed.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { backoffCeiling, backoffDelay, BACKOFF_DEFAULTS } from '../../client_js/src/backoff.js';
import { CLOSE_CODES, CloseCode, reconnectPolicy } from '../../client_js/src/close_codes.js';
import {
  SUBPROTOCOLS, decodeFrame, encodeFrame, negotiatedEncoding, offeredProtocols,
} from '../../client_js/src/codec.js';

describe('backoffDelay', () => {
  test('defaults are base 500 ms and cap 30 s', () => {
    assert.deepEqual({ ...BACKOFF_DEFAULTS }, { base: 500, cap: 30000 });
  });

  test('the ceiling doubles from base and stops at cap', () => {
    const ceilings = [0, 1, 2, 3, 4, 5, 6, 7, 8, 50, 5000].map((n) => backoffCeiling(n));
    assert.deepEqual(ceilings, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000, 30000]);
  });

  test('full jitter: random 0 gives 0, random near 1 gives the ceiling', () => {
    for (let attempt = 0; attempt < 12; attempt += 1) {
      const ceiling = Math.min(30000, 500 * 2 ** attempt);
      assert.equal(backoffDelay(attempt, { random: () => 0 }), 0);
      const top = backoffDelay(attempt, { random: () => 0.999999999 });
      assert.ok(top <= ceiling && top >= ceiling - 1, `attempt ${attempt}: ${top} vs ${ceiling}`);
    }
  });

  test('every delay lies in [0, min(cap, base * 2^attempt)]', () => {
    for (let attempt = 0; attempt < 40; attempt += 1) {
      for (let i = 0; i < 200; i += 1) {
        const d = backoffDelay(attempt, { base: 100, cap: 5000 });
        assert.ok(Number.isInteger(d) && d >= 0 && d <= Math.min(5000, 100 * 2 ** attempt), `${attempt}: ${d}`);
      }
    }
  });

  test('is spread over the whole window, not bunched', () => {
    const samples = Array.from({ length: 4000 }, () => backoffDelay(3, { base: 100, cap: 1e9 }));
    const low = samples.filter((d) => d < 400).length;
    assert.ok(low > 1600 && low < 2400, `half the window should hold about half: ${low}`);
  });

  test('odd inputs stay in bounds', () => {
    assert.equal(backoffDelay(-3, { random: () => 0.5 }), 250);
    assert.equal(backoffDelay(Number.NaN, { random: () => 0.5 }), 250);
    assert.equal(backoffDelay(1e6, { random: () => 0.5 }), 15000);
    assert.equal(backoffDelay(2, { random: () => 7 }), 2000);
  });
});

describe('close codes', () => {
  test('never retry after 4401, 4403, 4404', () => {
    for (const code of [4401, 4403, 4404]) assert.equal(reconnectPolicy(code), 'never', String(code));
  });

  test('retry soon after 1001, 4000 and a lost connection (1006)', () => {
    for (const code of [1001, 4000, 1006]) assert.equal(reconnectPolicy(code), 'soon', String(code));
  });

  test('retry after a backoff after 1013, 4002, 4408, 4429', () => {
    for (const code of [1013, 4002, 4408, 4429]) assert.equal(reconnectPolicy(code), 'later', String(code));
  });

  test('unknown codes are retried later', () => {
    assert.equal(reconnectPolicy(1012), 'later');
    assert.equal(reconnectPolicy(4999), 'later');
  });

  test('the table has every contract code, named like the Python enum', () => {
    const expected = {
      NORMAL: 1000, GOING_AWAY: 1001, TOO_BIG: 1009, TRY_AGAIN_LATER: 1013, SILENT: 4000,
      SLOW_READER: 4002, UNAUTHORIZED: 4401, FORBIDDEN: 4403, UNKNOWN_WIDGET: 4404,
      NO_HELLO: 4408, TOO_MANY_FRAMES: 4429,
    };
    for (const [name, code] of Object.entries(expected)) {
      assert.equal(CloseCode[name], code, name);
      assert.equal(CLOSE_CODES[code].name, name);
    }
  });
});

describe('codec', () => {
  const frame = { type: 'widget.status', widget: 'demo', status: 'online', next_change: null, n: 3 };

  test('auto offers MessagePack first, then JSON', () => {
    assert.deepEqual(offeredProtocols('auto'), ['frontdesk.v1.msgpack', 'frontdesk.v1.json']);
    assert.deepEqual(offeredProtocols('json'), ['frontdesk.v1.json']);
    assert.deepEqual(offeredProtocols('msgpack'), ['frontdesk.v1.msgpack']);
    assert.throws(() => offeredProtocols('xml'), TypeError);
  });

  test('the negotiated encoding follows the server, else the first preference', () => {
    assert.equal(negotiatedEncoding(SUBPROTOCOLS.json, 'auto'), 'json');
    assert.equal(negotiatedEncoding(SUBPROTOCOLS.msgpack, 'auto'), 'msgpack');
    assert.equal(negotiatedEncoding('', 'auto'), 'msgpack');
    assert.equal(negotiatedEncoding('', 'json'), 'json');
  });

  test('JSON is a text frame, MessagePack a binary one, and both round-trip', () => {
    const text = encodeFrame(frame, 'json');
    assert.equal(typeof text, 'string');
    assert.deepEqual(decodeFrame(text), frame);
    const bytes = encodeFrame(frame, 'msgpack');
    assert.ok(bytes instanceof Uint8Array);
    assert.equal(bytes[0] & 0xf0, 0x80, 'a MessagePack fixmap');
    assert.deepEqual(decodeFrame(bytes), frame);
    assert.deepEqual(decodeFrame(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)), frame);
    assert.deepEqual(decodeFrame(Buffer.from(bytes)), frame);
  });

  test('anything but a map with a string type decodes to null', () => {
    for (const bad of ['nope', '[1]', '{"type": 3}', '"x"', 'null', new Uint8Array([0xc1]), encodeFrame([1], 'msgpack')]) {
      assert.equal(decodeFrame(bad), null);
    }
  });
});
