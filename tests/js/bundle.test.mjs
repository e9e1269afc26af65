// The committed browser bundle (static/frontdesk.js) must be what client_js builds now.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';

import { BUNDLE, buildBundle } from '../../client_js/build.mjs';

test('static/frontdesk.js is a fresh build of client_js/src (else run `npm run build` there)', async () => {
  const [committed, fresh] = await Promise.all([readFile(BUNDLE, 'utf8'), buildBundle()]);
  assert.ok(committed === fresh, 'static/frontdesk.js is stale: run `npm run build` in client_js and commit it');
});

test('the bundle exports the library and carries MessagePack inside', async () => {
  const bundle = await import('../../static/frontdesk.js');
  for (const name of ['FrontdeskAgent', 'FrontdeskWidget', 'backoffDelay', 'CloseCode', 'SUBPROTOCOLS']) {
    assert.ok(name in bundle, name);
  }
  const bytes = bundle.encodeFrame({ type: 'ping' }, 'msgpack');
  assert.deepEqual(bundle.decodeFrame(bytes), { type: 'ping' });
  const text = await readFile(BUNDLE, 'utf8');
  assert.ok(!/\bimport\s*[^(]*from\s*["']@msgpack/.test(text), 'no bare import left for the browser');
});
