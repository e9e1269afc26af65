// The timeline's pure layout (static/timeline.js): local days, day-saving days, categories.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  agentCategory, formatDuration, layoutDays, legendHtml, localParts, nextDay, openingHours,
  rowTotals, startOfDay, timelineSvg, WIDGET_CATEGORIES, widgetCategory,
} from '../../static/timeline.js';

const at = (iso) => Date.parse(iso);

describe('local days', () => {
  test('midnight in UTC and in Berlin', () => {
    assert.equal(startOfDay(at('2026-11-25T17:00:00Z'), 'UTC'), at('2026-11-25T00:00:00Z'));
    assert.equal(startOfDay(at('2026-11-25T17:00:00Z'), 'Europe/Berlin'), at('2026-11-24T23:00:00Z'));
    assert.equal(startOfDay(at('2026-11-24T23:30:00Z'), 'Europe/Berlin'), at('2026-11-24T23:00:00Z'));
  });

  test('a day that falls back has 25 hours, one that springs forward 23', () => {
    const fall = startOfDay(at('2026-10-25T12:00:00Z'), 'Europe/Berlin');
    assert.equal(fall, at('2026-10-24T22:00:00Z'));
    assert.equal(nextDay(fall, 'Europe/Berlin') - fall, 25 * 3600e3);
    const spring = startOfDay(at('2026-03-29T12:00:00Z'), 'Europe/Berlin');
    assert.equal(spring, at('2026-03-28T23:00:00Z'));
    assert.equal(nextDay(spring, 'Europe/Berlin') - spring, 23 * 3600e3);
  });

  test('local parts', () => {
    const p = localParts(at('2026-11-25T08:30:15.500Z'), 'America/New_York');
    assert.deepEqual(p, { date: '2026-11-25', weekday: 'wed', sod: 3 * 3600 + 30 * 60 + 15.5 });
  });
});

describe('layoutDays', () => {
  const intervals = [
    { from: '2026-11-23T20:00:00Z', to: '2026-11-24T06:00:00Z', status: 'offline', reason: 'schedule' },
    { from: '2026-11-24T06:00:00Z', to: '2026-11-24T12:00:00Z', status: 'online', reason: 'schedule' },
    { from: '2026-11-24T12:00:00Z', to: '2026-11-24T12:30:00Z', status: 'offline', reason: 'team_away' },
    { from: '2026-11-24T12:30:00Z', to: '2026-11-25T10:00:00Z', status: 'online', reason: 'schedule' },
  ];

  test('splits stretches at local midnights, one row per day, from first record on', () => {
    const rows = layoutDays(intervals, {
      from: '2026-11-23T00:00:00Z', to: '2026-11-25T10:00:00Z', timeZone: 'UTC', categoryOf: widgetCategory,
    });
    assert.deepEqual(rows.map((r) => r.date), ['2026-11-23', '2026-11-24', '2026-11-25']);
    assert.deepEqual(rows[0].segments.map((s) => [s.x0, s.x1, s.category]), [[20 / 24, 1, 'schedule']]);
    assert.deepEqual(rows[1].segments.map((s) => [s.x0, s.x1, s.category]), [
      [0, 6 / 24, 'schedule'], [6 / 24, 12 / 24, 'online'], [12 / 24, 12.5 / 24, 'team_away'],
      [12.5 / 24, 1, 'online'],
    ]);
    assert.deepEqual(rowTotals(rows[1]), { schedule: 6 * 3600, online: 17.5 * 3600, team_away: 1800 });
    assert.deepEqual(rows[2].segments.map((s) => [s.x0, s.x1]), [[0, 10 / 24]]);
    assert.equal(rows[1].weekday, 'tue');
  });

  test('in another zone the rows are that zone\'s days', () => {
    const rows = layoutDays(intervals, {
      from: '2026-11-24T00:00:00Z', to: '2026-11-25T10:00:00Z', timeZone: 'Asia/Tokyo', categoryOf: widgetCategory,
    });
    assert.deepEqual(rows.map((r) => r.date), ['2026-11-24', '2026-11-25']);
    // 12:00Z is 21:00 in Tokyo
    const gap = rows[0].segments.find((s) => s.category === 'team_away');
    assert.deepEqual([gap.x0, gap.x1], [21 / 24, 21.5 / 24]);
  });

  test('agent categories', () => {
    assert.equal(agentCategory({ status: 'online', connected: true }), 'available');
    assert.equal(agentCategory({ status: 'online', connected: false }), 'online_away');
    assert.equal(agentCategory({ status: 'busy', connected: true }), 'busy');
    assert.equal(agentCategory({ status: 'busy', connected: false }), 'busy_away');
  });
});

test('opening hours and durations', () => {
  assert.deepEqual(openingHours({ mon: [['09:00', '12:00'], ['13:00', '24:00']] }, 'mon'),
    [[9 / 24, 12 / 24], [13 / 24, 1]]);
  assert.deepEqual(openingHours({}, 'tue'), []);
  assert.equal(formatDuration(0), '0 min');
  assert.equal(formatDuration(45), '45 s');
  assert.equal(formatDuration(12 * 60 + 10), '12 min');
  assert.equal(formatDuration(3 * 3600 + 5 * 60), '3 h 05 min');
  assert.equal(formatDuration(7200), '2 h');
});

test('the drawing has a pattern and words for every category', () => {
  const rows = layoutDays(
    [{ from: '2026-11-24T06:00:00Z', to: '2026-11-24T07:00:00Z', status: 'offline', reason: 'team_away' }],
    { from: '2026-11-24T00:00:00Z', to: '2026-11-24T12:00:00Z', categoryOf: widgetCategory },
  );
  const svg = timelineSvg(rows, { categories: WIDGET_CATEGORIES, prefix: 't1', totalsOf: () => '1 h <gap>' });
  assert.match(svg, /<pattern id="t1-team_away"/);
  assert.match(svg, /fill="url\(#t1-team_away\)"/);
  assert.match(svg, /Offline while open: team away, 06:00–07:00 \(1 h\)/);
  assert.match(svg, /1 h &#60;gap&#62;/);
  const legend = legendHtml(WIDGET_CATEGORIES, { prefix: 't1', withHours: true });
  for (const { label } of Object.values(WIDGET_CATEGORIES)) assert.ok(legend.includes(label));
  assert.ok(legend.includes('Opening hours'));
});
