// The two timelines the pages show, each drawn from its report route by static/timeline.js:
// a widget's last 7 days on the settings page, an agent's own day on the console.

import {
  AGENT_CATEGORIES, WIDGET_CATEGORIES, agentCategory, formatDuration, layoutDays, legendHtml,
  rowTotals, startOfDay, timelineSvg, widgetCategory,
} from './timeline.js';

const iso = (ms) => new Date(ms).toISOString();

function dayLabel(row) {
  return new Date(`${row.date}T12:00:00Z`).toLocaleDateString('en-GB', {
    weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC',
  });
}

function totalsList(entries) {
  const dl = document.createElement('dl');
  dl.className = 'totals';
  for (const [term, seconds, key] of entries) {
    const div = document.createElement('div');
    if (key) div.dataset.total = key;
    const dt = document.createElement('dt');
    dt.textContent = term;
    const dd = document.createElement('dd');
    dd.textContent = formatDuration(seconds);
    div.append(dt, dd);
    dl.append(div);
  }
  return dl;
}

/**
 * The settings page: GET /api/v1/widgets/{widget}/coverage over the last 7 local days of the
 * widget's timezone, one row per day, opening hours under each bar when it is scheduled.
 * `request(method, url)` answers {status, data}. Returns the report (or null).
 */
export async function showWidgetCoverage(panel, { widgetUrl, request, settings, now = Date.now() }) {
  const timeZone = settings?.timezone || 'UTC';
  const from = startOfDay(now - 6 * 86400e3, timeZone);
  const query = new URLSearchParams({ from: iso(from), to: iso(now) });
  const { status, data } = await request('GET', `${widgetUrl}/coverage?${query}`);
  if (status !== 200 || !data) {
    panel.hidden = true;
    return null;
  }
  const rows = layoutDays(data.intervals, { from: data.from, to: data.to, timeZone, categoryOf: widgetCategory });
  const scheduled = settings?.mode === 'scheduled';
  const svg = timelineSvg(rows, {
    categories: WIDGET_CATEGORIES, timeZone, prefix: 'wc', hours: scheduled ? settings.hours : null,
    label: `Widget availability, last 7 days, in ${timeZone}`, rowLabel: dayLabel,
    totalsOf: (row) => {
      const t = rowTotals(row);
      const gap = t.team_away ?? 0;
      return `${formatDuration(t.online ?? 0)} online${gap ? ` · ${formatDuration(gap)} gap` : ''}`;
    },
  });
  panel.querySelector('[data-part="timeline"]').innerHTML = svg;
  panel.querySelector('[data-part="legend"]').innerHTML = legendHtml(WIDGET_CATEGORIES, { prefix: 'wcl', withHours: scheduled });
  const t = data.totals;
  panel.querySelector('[data-part="totals"]').replaceChildren(totalsList([
    ['Online', t.online, 'online'],
    ['Offline', t.offline, 'offline'],
    ['Open (schedule or hand said open)', t.open, 'open'],
    ['Offline while open (team away)', t.offline_while_open, 'offline_while_open'],
  ]));
  panel.querySelector('[data-part="zone"]').textContent = `Days and hours in ${timeZone}.`;
  panel.hidden = false;
  return data;
}

/**
 * The console: the signed-in agent's day so far (GET /api/v1/agent/activity with the agent's
 * own token), in the viewer's timezone.
 */
export async function showAgentDay(panel, { url, token, now = Date.now() }) {
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const from = startOfDay(now, timeZone);
  const query = new URLSearchParams({ from: iso(from), to: iso(now) });
  let response;
  try {
    response = await fetch(`${url}?${query}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
  } catch {
    return null;
  }
  if (!response.ok) {
    panel.hidden = true;
    return null;
  }
  const data = await response.json();
  const rows = layoutDays(data.intervals, { from: data.from, to: data.to, timeZone, categoryOf: agentCategory });
  panel.querySelector('[data-part="timeline"]').innerHTML = timelineSvg(rows, {
    categories: AGENT_CATEGORIES, timeZone, prefix: 'ad', label: 'Your status today', rowLabel: () => 'Today',
    totalsOf: (row) => `${formatDuration(rowTotals(row).available ?? 0)} available`,
  });
  panel.querySelector('[data-part="legend"]').innerHTML = legendHtml(AGENT_CATEGORIES, { prefix: 'adl' });
  const t = data.totals;
  panel.querySelector('[data-part="totals"]').replaceChildren(totalsList([
    ['Available', t.available, 'available'],
    ['Online', t.online, 'online'],
    ['Busy', t.busy, 'busy'],
    ['Connected', t.connected, 'connected'],
  ]));
  panel.hidden = false;
  return data;
}
