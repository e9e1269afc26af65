// The client library against a real Frontdesk: encodings, heartbeat, reconnect and backoff,
// the close codes that forbid a retry, the visitor id, live status and conversations.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import * as source from '../../client_js/src/index.js';
import * as bundle from '../../static/frontdesk.js';
import {
  FrontdeskServer, MemoryStorage, WebSocket, agentToken, eventually, waitFor,
} from './support.mjs';

const server = new FrontdeskServer({ heartbeat: 1, ttl: 3, grace: 0.5 });
const clients = [];

before(async () => {
  await server.start();
});

after(async () => {
  for (const client of clients) client.close();
  await server.stop();
});

function agent(lib = source, options = {}) {
  const client = new lib.FrontdeskAgent({
    server: server.http, WebSocket, token: agentToken(), storage: null, ...options,
  });
  clients.push(client);
  return client;
}

function widget(lib = source, options = {}) {
  const client = new lib.FrontdeskWidget({
    server: server.http, WebSocket, widget: 'demo', storage: new MemoryStorage(), ...options,
  });
  clients.push(client);
  return client;
}

async function connected(client) {
  const welcome = client.once('open');
  client.connect();
  return welcome;
}

for (const [label, lib] of [['source', source], ['bundle', bundle]]) {
  describe(`encodings (${label})`, () => {
    test('auto negotiates MessagePack and gets a welcome', async () => {
      const kevin = agent(lib);
      const welcome = await connected(kevin);
      assert.equal(kevin.encoding, 'msgpack');
      assert.equal(welcome.agent.id, 'kevin');
      assert.equal(welcome.heartbeat, 1);
      assert.ok(welcome.team.some((a) => a.agent === 'kevin'));
      assert.ok(welcome.widgets.some((w) => w.widget === 'demo'));
      assert.equal(kevin.state, 'open');
      const pong = kevin.once('pong');
      kevin.ping();
      await pong;
      kevin.close();
    });

    test('JSON when asked for, on both endpoints', async () => {
      const kevin = agent(lib, { encoding: 'json' });
      await connected(kevin);
      assert.equal(kevin.encoding, 'json');
      const visitor = widget(lib, { encoding: 'json' });
      const welcome = await connected(visitor);
      assert.equal(visitor.encoding, 'json');
      assert.equal(welcome.widget.widget, 'demo');
      assert.match(visitor.visitor, /^[A-Za-z0-9_-]{1,64}$/);
      kevin.close();
      visitor.close();
    });

    test('MessagePack on the widget endpoint', async () => {
      const visitor = widget(lib, { encoding: 'msgpack' });
      const welcome = await connected(visitor);
      assert.equal(visitor.encoding, 'msgpack');
      assert.ok(['online', 'offline'].includes(welcome.widget.status));
      visitor.close();
    });
  });
}

describe('heartbeat', () => {
  test('keeps a connection counted past the presence TTL', async () => {
    const samantha = agent(source, { token: agentToken({ sub: 'samantha', name: 'Samantha' }) });
    const closes = [];
    samantha.on('close', (info) => closes.push(info));
    await connected(samantha);
    await sleep(4500); // TTL is 3 s, heartbeat 1 s
    assert.deepEqual(closes, []);
    assert.equal(samantha.state, 'open');
    const team = await server.agents();
    const me = team.find((a) => a.id === 'samantha');
    assert.equal(me?.connected, true, JSON.stringify(team));
    samantha.close();
  });

  test('a client that sends no heartbeat is closed with 4000 and reconnects', async () => {
    const silent = agent(source, {
      token: agentToken({ sub: 'silent', name: 'Silent' }),
      backoff: { base: 50, cap: 200 },
      // Timers that never fire: no heartbeat goes out.
      timers: { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout, setInterval: () => 0, clearInterval: () => {} },
    });
    await connected(silent);
    const closed = await waitFor(silent, 'close', () => true, 7000);
    assert.equal(closed.code, 4000);
    assert.equal(closed.reconnect, true);
    await waitFor(silent, 'open', () => true, 3000);
    silent.close();
  });
});

describe('no retry', () => {
  test('after 4401 (a bad token)', async () => {
    const intruder = agent(source, { token: agentToken({ secret: 'not-the-secret' }), backoff: { base: 10, cap: 50 } });
    const states = [];
    intruder.on('state', (s) => states.push(s));
    intruder.connect();
    const closed = await waitFor(intruder, 'close');
    assert.equal(closed.code, 4401);
    assert.equal(closed.reconnect, false);
    assert.equal(closed.delay, null);
    await sleep(1000);
    assert.equal(intruder.state, 'closed');
    assert.equal(intruder.connects, 1, 'one socket only');
    assert.deepEqual(states, ['connecting', 'closed']);
  });

  test('after 4401 (an expired token)', async () => {
    const late = agent(source, { token: agentToken({ ttl: -60 }), backoff: { base: 10, cap: 50 } });
    late.connect();
    const closed = await waitFor(late, 'close');
    assert.equal(closed.code, 4401);
    await sleep(500);
    assert.equal(late.connects, 1);
  });

  test('after 4404 (an unknown widget)', async () => {
    const lost = widget(source, { widget: 'no-such-widget', backoff: { base: 10, cap: 50 } });
    lost.connect();
    const closed = await waitFor(lost, 'close');
    assert.equal(closed.code, 4404);
    assert.equal(closed.reconnect, false);
    await sleep(500);
    assert.equal(lost.connects, 1);
    assert.equal(lost.state, 'closed');
  });
});

describe('retry later', () => {
  test('after 4429 the reconnect waits at least the base delay, from a higher attempt', async () => {
    const base = 200;
    const noisy = agent(source, {
      token: agentToken({ sub: 'noisy', name: 'Noisy' }), encoding: 'json', backoff: { base, cap: 5000 },
    });
    await connected(noisy);
    const closed = noisy.once('close');
    for (let i = 0; i < 1500 && noisy.state === 'open'; i += 1) noisy.ping();
    const info = await closed;
    assert.equal(info.code, 4429);
    assert.equal(info.reconnect, true);
    assert.ok(info.attempt >= 3, `attempt ${info.attempt}`);
    assert.ok(info.delay >= base && info.delay <= Math.min(5000, base * 2 ** info.attempt), `delay ${info.delay}`);
    await waitFor(noisy, 'open', () => true, 8000);
    noisy.close();
  });
});

describe('agent status', () => {
  test('a status chosen before connecting is sent after the welcome', async () => {
    const oscar = agent(source, { token: agentToken({ sub: 'oscar', name: 'Oscar' }) });
    assert.equal(oscar.setStatus('busy'), false, 'not sent yet');
    const busy = waitFor(oscar, 'agent.status', (f) => f.agent === 'oscar' && f.status === 'busy', 3000);
    oscar.connect();
    await busy;
    assert.equal(oscar.status, 'busy');
    const me = (await server.agents()).find((a) => a.id === 'oscar');
    assert.equal(me.status, 'busy');
    assert.equal(me.available, false);
    oscar.close();
  });
});

describe('visitor id', () => {
  test('is kept in storage and used again', async () => {
    const storage = new MemoryStorage();
    const first = widget(source, { storage });
    const welcome = await connected(first);
    assert.equal(storage.getItem('frontdesk.visitor.demo'), welcome.visitor);
    first.close();
    const second = widget(source, { storage });
    const again = await connected(second);
    assert.equal(again.visitor, welcome.visitor);
    second.close();
  });

  test('a malformed stored id is dropped and the server makes one up', async () => {
    const storage = new MemoryStorage();
    storage.setItem('frontdesk.visitor.demo', 'not a valid id!');
    const visitor = widget(source, { storage });
    const welcome = await connected(visitor);
    assert.match(welcome.visitor, /^[A-Za-z0-9_-]{1,64}$/);
    assert.equal(storage.getItem('frontdesk.visitor.demo'), welcome.visitor);
    visitor.close();
  });
});

describe('live status', () => {
  test('busy with team-away on turns the widget offline, online turns it back', async () => {
    await server.updateWidget('demo', { mode: 'manual', manual_status: 'online', offline_when_team_away: true });
    const kevin = agent(source, { token: agentToken({ sub: 'kevin', name: 'Kevin' }) });
    await connected(kevin);
    kevin.setStatus('online');
    const visitor = widget(source);
    await connected(visitor);
    // Samantha may still count from an earlier test: wait until only Kevin can be available.
    await eventually(async () => (await server.agents()).filter((a) => a.available).every((a) => a.id === 'kevin'), 8000, 'only kevin available');
    assert.equal(visitor.status.status, 'online');
    const offline = waitFor(visitor, 'widget.status', (s) => s.status === 'offline', 2000);
    const mine = waitFor(kevin, 'agent.status', (s) => s.agent === 'kevin' && s.status === 'busy', 2000);
    const kevinSees = waitFor(kevin, 'widget.status', (s) => s.widget === 'demo' && s.status === 'offline', 2000);
    const t0 = Date.now();
    kevin.setStatus('busy');
    const status = await offline;
    assert.ok(Date.now() - t0 < 1000, 'within a second');
    assert.equal(status.reason, 'team_away');
    assert.equal(visitor.isOnline, false);
    await Promise.all([mine, kevinSees]);
    assert.equal(kevin.status, 'busy');
    assert.equal(kevin.widgets.get('demo').status, 'offline');
    const online = waitFor(visitor, 'widget.status', (s) => s.status === 'online', 2000);
    kevin.setStatus('online');
    await online;
    kevin.close();
    visitor.close();
    await server.updateWidget('demo', { offline_when_team_away: false });
  });
});

describe('conversations', () => {
  test('a visitor starts one, the agent joins it and closes it', async () => {
    await server.updateWidget('demo', { mode: 'manual', manual_status: 'online', routing: 'broadcast', max_conversations_per_agent: 0 });
    const kevin = agent(source, { token: agentToken({ sub: 'kevin', name: 'Kevin' }) });
    await connected(kevin);
    kevin.setStatus('online');
    await eventually(async () => (await server.agents()).find((a) => a.id === 'kevin')?.available, 5000, 'kevin available');
    const visitor = widget(source);
    await connected(visitor);
    const agentJoined = waitFor(kevin, 'conversation.joined', (f) => f.visitor === visitor.visitor, 3000);
    const visitorJoined = waitFor(visitor, 'conversation.joined', () => true, 3000);
    visitor.startConversation('Hello, is anyone there?');
    const joined = await agentJoined;
    assert.equal(joined.widget, 'demo');
    assert.ok(joined.agents.some((a) => a.id === 'kevin' && a.name === 'Kevin'));
    await visitorJoined;
    assert.equal(visitor.conversation.state, 'assigned');
    assert.equal(visitor.conversation.id, joined.conversation);
    assert.ok(kevin.conversations.has(joined.conversation));
    const visitorClosed = waitFor(visitor, 'conversation.closed', () => true, 3000);
    const agentClosed = waitFor(kevin, 'conversation.closed', (f) => f.conversation === joined.conversation, 3000);
    kevin.closeConversation(joined.conversation);
    await Promise.all([visitorClosed, agentClosed]);
    assert.equal(visitor.conversation.state, 'closed');
    assert.equal(kevin.conversations.get(joined.conversation).closed, true);
    kevin.close();
    visitor.close();
  });

  test('with nobody available the visitor is queued with a position', async () => {
    // Everyone busy: a new conversation waits in the queue.
    const kevin = agent(source, { token: agentToken({ sub: 'kevin', name: 'Kevin' }) });
    await connected(kevin);
    const samantha = agent(source, { token: agentToken({ sub: 'samantha', name: 'Samantha' }) });
    await connected(samantha);
    kevin.setStatus('busy');
    samantha.setStatus('busy');
    await eventually(async () => (await server.agents()).every((a) => !a.available), 5000, 'nobody available');
    const visitor = widget(source);
    await connected(visitor);
    const queued = waitFor(visitor, 'conversation.queued', () => true, 3000);
    visitor.startConversation('Anyone?');
    const frame = await queued;
    assert.equal(frame.position, 1);
    assert.equal(visitor.conversation.state, 'queued');
    // Kevin comes back: the queued conversation goes to him.
    const joined = waitFor(visitor, 'conversation.joined', () => true, 3000);
    kevin.setStatus('online');
    const j = await joined;
    assert.ok(j.agents.some((a) => a.id === 'kevin'));
    kevin.closeConversation(j.conversation);
    samantha.setStatus('online');
    await sleep(200);
    kevin.close();
    samantha.close();
    visitor.close();
  });
});

describe('reconnect', () => {
  test('after the server restarts, with backoff delays in bounds', async () => {
    const restartable = new FrontdeskServer({ heartbeat: 1, ttl: 3 });
    await restartable.start();
    const base = 100;
    const cap = 800;
    const kevin = new source.FrontdeskAgent({
      server: restartable.http, WebSocket, token: agentToken(), backoff: { base, cap },
    });
    const closes = [];
    kevin.on('close', (info) => closes.push(info));
    try {
      await connected(kevin);
      const firstSession = kevin.session;
      await restartable.stop();
      // While the server is down, every attempt fails and the window grows to the cap.
      await eventually(() => closes.length >= 6, 15000, 'six failed attempts');
      for (const info of closes) {
        assert.equal(info.reconnect, true);
        assert.ok(info.delay >= 0 && info.delay <= Math.min(cap, base * 2 ** info.attempt),
          `delay ${info.delay} at attempt ${info.attempt}`);
      }
      const attempts = closes.map((c) => c.attempt);
      assert.deepEqual(attempts.slice(0, 6), [0, 1, 2, 3, 4, 5]);
      // Listen before restarting: the client may well reconnect before start() returns.
      const reopened = waitFor(kevin, 'open', () => true, 10000);
      await restartable.start();
      await reopened;
      assert.equal(kevin.state, 'open');
      assert.equal(kevin.attempt, 0, 'a welcome resets the backoff');
      assert.notEqual(kevin.session, firstSession);
      assert.ok(kevin.connects >= 7);
    } finally {
      kevin.close();
      await restartable.stop();
    }
  });

  test('the server closes with 1001 on shutdown, and the client retries', async () => {
    const restartable = new FrontdeskServer({ heartbeat: 1, ttl: 3 });
    await restartable.start();
    const visitor = new source.FrontdeskWidget({
      server: restartable.http, WebSocket, widget: 'demo', storage: new MemoryStorage(), backoff: { base: 100, cap: 400 },
    });
    try {
      await connected(visitor);
      const closed = visitor.once('close');
      await restartable.stop();
      const info = await closed;
      assert.equal(info.reconnect, true);
      assert.equal(info.code, 1001, `close code ${info.code} (${info.reason})`);
    } finally {
      visitor.close();
      await restartable.stop();
    }
  });
});
