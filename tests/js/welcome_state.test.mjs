// The welcome's open conversations (beyond the contract: the agent's `conversations`, the
// widget's `conversation`) come back as ordinary conversation events right after `open`:
// all of them for a new client (a reloaded page), only what changed for a reconnecting one.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import * as source from '../../client_js/src/index.js';
import * as bundle from '../../static/frontdesk.js';
import {
  FrontdeskServer, MemoryStorage, WebSocket, agentToken, eventually, waitFor,
} from './support.mjs';

const server = new FrontdeskServer({ heartbeat: 1, ttl: 3, grace: 0.5 });
const clients = [];
const EVENTS = ['open', 'conversation.joined', 'conversation.queued', 'conversation.closed'];

before(async () => {
  await server.start();
  await server.updateWidget('demo', {
    mode: 'manual', manual_status: 'online', offline_when_team_away: false,
    routing: 'broadcast', max_conversations_per_agent: 0,
  });
});

after(async () => {
  for (const client of clients) client.close();
  await server.stop();
});

function agent(lib) {
  const client = new lib.FrontdeskAgent({
    server: server.http, WebSocket, token: agentToken({ sub: 'kevin', name: 'Kevin' }),
  });
  clients.push(client);
  return client;
}

function widget(lib, storage) {
  const client = new lib.FrontdeskWidget({ server: server.http, WebSocket, widget: 'demo', storage });
  clients.push(client);
  return client;
}

async function connected(client) {
  const welcome = client.once('open');
  client.connect();
  return welcome;
}

/** Every event of EVENTS, in order, as [type, payload]. */
function record(client) {
  const seen = [];
  for (const type of EVENTS) client.on(type, (payload) => seen.push([type, payload]));
  return seen;
}

async function kevinAvailable(available = true) {
  await eventually(async () => (await server.agents()).find((a) => a.id === 'kevin')?.available === available,
    5000, `kevin ${available ? '' : 'not '}available`);
}

/** A conversation started through the back-office API. */
async function startByApi(visitor) {
  const { status, body } = await server.api('POST', '/api/v1/widgets/demo/conversations', { visitor, text: 'Hi' });
  assert.equal(status, 201, JSON.stringify(body));
  return body;
}

async function closeByApi(conversation) {
  const { status } = await server.api('POST', `/api/v1/conversations/${conversation}/close`);
  assert.equal(status, 200);
}

for (const [label, lib] of [['source', source], ['bundle', bundle]]) {
  describe(`welcome state (${label})`, () => {
    test('an agent gets its open conversations back as conversation.joined events', async () => {
      const kevinA = agent(lib);
      await connected(kevinA);
      kevinA.setStatus('online');
      await kevinAvailable();
      const one = await startByApi(`${label}-agent-1`);
      const two = await startByApi(`${label}-agent-2`);
      assert.equal(one.state, 'assigned');
      await eventually(() => kevinA.conversations.has(one.conversation) && kevinA.conversations.has(two.conversation),
        3000, 'kevin told of both');

      // A reloaded console: a new client that knows nothing.
      const kevinB = agent(lib);
      const events = record(kevinB);
      const welcome = await connected(kevinB);
      const listed = welcome.conversations.map((c) => c.conversation);
      assert.ok(listed.includes(one.conversation) && listed.includes(two.conversation), JSON.stringify(listed));
      assert.equal(events[0][0], 'open', 'open comes first');
      const joined = events.slice(1).map(([type, payload]) => {
        assert.equal(type, 'conversation.joined');
        return payload;
      });
      assert.deepEqual(joined.map((p) => p.conversation).sort(), [...listed].sort(), 'each one once');
      const first = joined.find((p) => p.conversation === one.conversation);
      assert.equal(first.restored, true);
      assert.equal(first.type, 'conversation.joined');
      assert.equal(first.widget, 'demo');
      assert.equal(first.visitor, `${label}-agent-1`);
      assert.ok(first.agents.some((a) => a.id === 'kevin' && a.name === 'Kevin'));
      assert.equal(kevinB.conversations.get(one.conversation).closed, false);
      assert.equal('restored' in kevinB.conversations.get(one.conversation), false);

      // A reconnect tells only what changed while away: `one` closed, `three` new, `two` as known.
      kevinA.close();
      const eventsA = record(kevinA);
      await closeByApi(one.conversation);
      const liveB = waitFor(kevinB, 'conversation.joined', (p) => p.visitor === `${label}-agent-3`, 3000);
      const three = await startByApi(`${label}-agent-3`); // kevinB keeps Kevin available
      assert.equal((await liveB).restored, undefined, 'a live frame is not marked restored');
      await connected(kevinA);
      assert.deepEqual(eventsA.map(([type, p]) => (type === 'open' ? [type] : [type, p.conversation, p.restored])), [
        ['open'],
        ['conversation.joined', three.conversation, true],
        ['conversation.closed', one.conversation, true],
      ]);
      assert.equal(kevinA.conversations.get(one.conversation).closed, true);
      assert.equal(kevinA.conversations.get(three.conversation).closed, false);

      await closeByApi(two.conversation);
      await closeByApi(three.conversation);
      kevinA.close();
      kevinB.close();
    });

    test('a visitor gets its open conversation back: joined, closed meanwhile, queued', async () => {
      const kevin = agent(lib);
      await connected(kevin);
      kevin.setStatus('online');
      await kevinAvailable();
      const storage = new MemoryStorage(); // one visitor, kept across "reloads"
      const v1 = widget(lib, storage);
      const w1 = await connected(v1);
      assert.equal(w1.conversation, null, 'nothing open yet');
      const joinedLive = waitFor(v1, 'conversation.joined', () => true, 3000);
      v1.startConversation('Hello there');
      const live = await joinedLive;

      // A reloaded visitor page: same visitor, a new client.
      const v2 = widget(lib, storage);
      const events = record(v2);
      const welcome = await connected(v2);
      assert.equal(welcome.visitor, v1.visitor);
      assert.equal(welcome.conversation.type, 'conversation.joined');
      assert.equal(welcome.conversation.conversation, live.conversation);
      assert.deepEqual(events.map(([type]) => type), ['open', 'conversation.joined']);
      assert.equal(events[1][1].restored, true);
      assert.equal(events[1][1].conversation, live.conversation);
      assert.equal(v2.conversation.id, live.conversation);
      assert.equal(v2.conversation.state, 'assigned');
      assert.ok(v2.conversation.agents.some((a) => a.id === 'kevin' && a.name === 'Kevin'));

      // Closed while the visitor was away: the reconnect says so.
      v1.close();
      v2.close();
      await closeByApi(live.conversation);
      events.length = 0;
      const again = await connected(v2);
      assert.equal(again.conversation, null);
      assert.deepEqual(events.map(([type, p]) => (type === 'open' ? [type] : [type, p.conversation, p.restored])),
        [['open'], ['conversation.closed', live.conversation, true]]);
      assert.equal(v2.conversation.state, 'closed');

      // Queued: nobody available; the reloaded page gets the position.
      kevin.setStatus('busy');
      await kevinAvailable(false);
      const queuedLive = waitFor(v2, 'conversation.queued', () => true, 3000);
      v2.startConversation('Anyone?');
      const queued = await queuedLive;
      const v3 = widget(lib, storage);
      const events3 = record(v3);
      const w3 = await connected(v3);
      assert.equal(w3.conversation.type, 'conversation.queued');
      assert.deepEqual(events3.map(([type, p]) => (type === 'open' ? [type] : [type, p.conversation, p.position, p.restored])), [
        ['open'],
        ['conversation.queued', queued.conversation, queued.position, true],
      ]);
      assert.deepEqual(v3.conversation, {
        id: queued.conversation, state: 'queued', position: queued.position,
        estimatedWait: queued.estimated_wait, agents: [],
      });
      // Nothing changed for v2 since: no event on its reconnect.
      v2.close();
      events.length = 0;
      await connected(v2);
      assert.deepEqual(events.map(([type]) => type), ['open']);

      await closeByApi(queued.conversation);
      kevin.setStatus('online');
      await kevinAvailable();
      for (const client of [kevin, v2, v3]) client.close();
    });
  });
}
