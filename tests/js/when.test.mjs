// describeNextChange: "Back Monday at 9:00" / "Online until 17:30" in the visitor's own
// time zone, the business's zone named when it is another one (Intl, two zones each).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { describeNextChange, zoneLabel } from '../../client_js/src/when.js';

const SATURDAY_NOON = new Date('2026-11-28T12:00:00Z');
const offline = (at) => ({ status: 'offline', reason: 'schedule', next_change: at });
const online = (at) => ({ status: 'online', reason: 'schedule', next_change: at });
const say = (status, visitorZone, now = SATURDAY_NOON) =>
  describeNextChange(status, { timezone: 'Europe/Berlin', now, locale: 'en-GB', visitorZone });
const norm = (s) => s && s.replace(/\b0(\d:)/g, '$1'); // "09:00" and "9:00" read the same

test('back on a weekday, in the visitor\'s time, naming the business zone when it differs', () => {
  const monday9 = offline('2026-11-30T08:00:00Z'); // Monday 09:00 in Berlin
  assert.equal(norm(say(monday9, 'Europe/Berlin')), 'Back Monday at 9:00');
  assert.equal(norm(say(monday9, 'America/New_York')), 'Back Monday at 3:00 (9:00 Berlin time)');
});

test('online until today, and across midnight for a visitor further east', () => {
  const until = online('2026-11-28T16:30:00Z'); // Saturday 17:30 in Berlin
  assert.equal(norm(say(until, 'Europe/Berlin')), 'Online until 17:30');
  assert.equal(norm(say(until, 'Asia/Tokyo')), 'Online until tomorrow at 1:30 (Saturday 17:30 Berlin time)');
});

test('today, tomorrow and a date further away', () => {
  assert.equal(norm(say(offline('2026-11-28T17:00:00Z'), 'Europe/Berlin')), 'Back at 18:00');
  assert.equal(norm(say(offline('2026-11-29T08:00:00Z'), 'Europe/Berlin')), 'Back tomorrow at 9:00');
  assert.equal(norm(say(offline('2026-12-28T08:00:00Z'), 'Europe/Berlin')), 'Back on 28 December at 9:00');
});

test('nothing when the schedule does not decide', () => {
  assert.equal(describeNextChange({ status: 'offline', reason: 'team_away', next_change: '2026-11-30T08:00:00Z' }), null);
  assert.equal(describeNextChange({ status: 'online', reason: 'manual', next_change: null }), null);
  assert.equal(describeNextChange(null), null);
});

test('zone labels', () => {
  assert.equal(zoneLabel('America/New_York'), 'New York');
  assert.equal(zoneLabel('UTC'), 'UTC');
});
