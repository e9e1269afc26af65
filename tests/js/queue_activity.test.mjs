// Issue 15 on the client, without a server: the queue line a visitor reads, idle detection
// (the `activity` frame), and how the agent and widget clients take the new frames.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import * as source from '../../client_js/src/index.js';
import * as bundle from '../../static/frontdesk.js';

for (const [name, lib] of [['source', source], ['bundle', bundle]]) {
  describe(`${name}: the queue line`, () => {
    test('ordinals', () => {
      const got = [1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111].map(lib.ordinal);
      assert.deepEqual(got, ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '23rd', '101st', '111th']);
    });

    test('"You are 3rd, about 4 min"', () => {
      assert.equal(lib.describeQueue(3, 240), 'You are 3rd, about 4 min');
      assert.equal(lib.describeQueue(3, 250), 'You are 3rd, about 4 min');
      assert.equal(lib.describeQueue(2, 60), 'You are 2nd, about 1 min');
      assert.equal(lib.describeQueue(1, 10), 'You are next, less than a minute');
      assert.equal(lib.describeQueue(4, null), 'You are 4th');
      assert.equal(lib.describeQueue(1, undefined), 'You are next');
    });
  });

  describe(`${name}: idle detection`, () => {
    function fakePage() {
      const listeners = new Map();
      const target = {
        visibilityState: 'visible',
        addEventListener(type, fn) { listeners.set(type, fn); },
        removeEventListener(type) { listeners.delete(type); },
        fire(type) { listeners.get(type)?.(); },
        listeners,
      };
      let clock = 0;
      const queue = [];
      const timers = {
        setTimeout(fn, ms) { const t = { at: clock + ms, fn }; queue.push(t); return t; },
        clearTimeout(t) { const i = queue.indexOf(t); if (i >= 0) queue.splice(i, 1); },
      };
      const advance = (ms) => {
        const until = clock + ms;
        for (;;) {
          queue.sort((a, b) => a.at - b.at);
          if (!queue.length || queue[0].at > until) break;
          const t = queue.shift();
          clock = t.at;
          t.fn();
        }
        clock = until;
      };
      return { target, timers, advance, now: () => clock };
    }

    function recorder() {
      const sent = [];
      return { sent, setIdle(idle) { if (sent.at(-1) !== idle) sent.push(idle); } };
    }

    test('a minute without input is idle; input is active again', () => {
      const page = fakePage();
      const agent = recorder();
      const watch = lib.watchActivity(agent, {
        document: page.target, window: page.target, timers: page.timers, now: page.now,
      });
      page.advance(59_000);
      assert.deepEqual(agent.sent, []);
      page.target.fire('keydown'); // input at 59 s: the minute starts again
      page.advance(59_000);
      assert.deepEqual(agent.sent, [false]);
      page.advance(1_000);
      assert.deepEqual(agent.sent, [false, true]);
      page.target.fire('pointermove');
      assert.deepEqual(agent.sent, [false, true, false]);
      watch.stop();
      assert.equal(page.target.listeners.size, 0);
    });

    test('a hidden tab is idle at once', () => {
      const page = fakePage();
      const agent = recorder();
      lib.watchActivity(agent, { document: page.target, window: page.target, timers: page.timers, now: page.now });
      page.target.visibilityState = 'hidden';
      page.target.fire('visibilitychange');
      assert.deepEqual(agent.sent, [true]);
      page.target.fire('scroll'); // events while hidden do not wake it
      assert.deepEqual(agent.sent, [true]);
      page.target.visibilityState = 'visible';
      page.target.fire('visibilitychange');
      page.target.fire('pointerdown');
      assert.deepEqual(agent.sent, [true, false]);
    });
  });

  describe(`${name}: frames of issue 15`, () => {
    test('the agent sends activity only on a change, and drops a revoked conversation', () => {
      const agent = new lib.FrontdeskAgent({ token: 't', server: 'http://127.0.0.1:1', WebSocket: class {} });
      const sent = [];
      agent.send = (frame) => { sent.push(frame); return true; };
      assert.equal(agent.setIdle(false), false); // already active: nothing to say
      agent.setIdle(true);
      agent.setIdle(true);
      agent.setIdle(false);
      assert.deepEqual(sent, [{ type: 'activity', idle: true }, { type: 'activity', idle: false }]);
      agent.handleFrame({ type: 'conversation.joined', conversation: 'c1', widget: 'w', visitor: 'v', agents: [] });
      agent.handleFrame({ type: 'conversation.revoked', conversation: 'c1', reason: 'agent_unavailable' });
      assert.equal(agent.conversations.has('c1'), false);
      assert.equal(agent.revoked.get('c1'), 'agent_unavailable');
    });

    test('the agent keeps its own status_reason', () => {
      const agent = new lib.FrontdeskAgent({ token: 't', server: 'http://127.0.0.1:1', WebSocket: class {} });
      agent.handleWelcome({ type: 'welcome', agent: { id: 'a', name: 'A', status: 'online', status_reason: 'agent' }, team: [], widgets: [] });
      agent.handleFrame({ type: 'agent.status', agent: 'a', name: 'A', status: 'busy', status_reason: 'idle', connected: true, available: false });
      assert.equal(agent.agent.status, 'busy');
      assert.equal(agent.agent.status_reason, 'idle');
    });

    test('the widget keeps the estimate, a refusal and why a conversation ended', () => {
      const widget = new lib.FrontdeskWidget({ widget: 'w', storage: null, server: 'http://127.0.0.1:1', WebSocket: class {} });
      widget.send = () => true;
      widget.startConversation('hi');
      widget.handleFrame({ type: 'conversation.queued', conversation: 'c', position: 3, estimated_wait: 240 });
      assert.equal(widget.conversation.estimatedWait, 240);
      widget.handleFrame({ type: 'conversation.closed', conversation: 'c', reason: 'expired' });
      assert.equal(widget.conversation.state, 'closed');
      assert.equal(widget.conversation.reason, 'expired');
      widget.startConversation('again');
      widget.handleFrame({ type: 'conversation.rejected', reason: 'queue_full', message: 'Leave a message', widget: 'w', visitor: 'v' });
      assert.equal(widget.conversation.state, 'rejected');
      assert.equal(widget.conversation.message, 'Leave a message');
    });
  });
}
