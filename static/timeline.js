// Timelines of the coverage reports, drawn as plain SVG: a widget's last days on the settings
// page, an agent's own day on the console. The layout (which stretch falls on which local
// day, where) is pure and tested under Node (tests/js/timeline.test.mjs); the drawing makes
// an SVG string from it. Colour is never the only cue: every category also has its own
// pattern, a legend entry in words, and a tooltip on each stretch; the totals are text.

const SVG_NS = 'http://www.w3.org/2000/svg';
const DAY = 86400;

/** What each kind of stretch looks like, and what it is called in words. */
export const WIDGET_CATEGORIES = Object.freeze({
  online: { label: 'Online', color: '#2f9e5f', pattern: 'solid' },
  team_away: { label: 'Offline while open: team away', color: '#d64545', pattern: 'stripes' },
  schedule: { label: 'Offline: outside opening hours', color: '#8a96a3', pattern: 'dots' },
  manual: { label: 'Offline: set by hand', color: '#6b5fb5', pattern: 'cross' },
});

export const AGENT_CATEGORIES = Object.freeze({
  available: { label: 'Online and connected (available)', color: '#2f9e5f', pattern: 'solid' },
  busy: { label: 'Busy, connected', color: '#d98a1c', pattern: 'stripes' },
  online_away: { label: 'Online, not connected', color: '#8a96a3', pattern: 'dots' },
  busy_away: { label: 'Busy, not connected', color: '#b9a27a', pattern: 'cross' },
});

/** The category of one interval of a widget's coverage report. */
export function widgetCategory(interval) {
  return interval.status === 'online' ? 'online' : interval.reason;
}

/** The category of one interval of an agent's activity report. */
export function agentCategory(interval) {
  if (interval.status === 'busy') return interval.connected ? 'busy' : 'busy_away';
  return interval.connected ? 'available' : 'online_away';
}

// ---- time in a zone ------------------------------------------------------------------------

const formatters = new Map();

function formatter(timeZone) {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', weekday: 'short', year: 'numeric', month: '2-digit',
      day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The local date, weekday ("mon") and seconds since local midnight of an instant (ms). */
export function localParts(ms, timeZone) {
  const p = {};
  for (const part of formatter(timeZone).formatToParts(new Date(ms))) p[part.type] = part.value;
  const hour = Number(p.hour) % 24;
  return {
    date: `${p.year}-${p.month}-${p.day}`,
    weekday: p.weekday.toLowerCase().slice(0, 3),
    sod: hour * 3600 + Number(p.minute) * 60 + Number(p.second) + (((ms % 1000) + 1000) % 1000) / 1000,
  };
}

/** Settle a guess onto a local midnight (a day-saving shift moves it by an hour or so). */
function settleOnMidnight(guess, timeZone) {
  for (let i = 0; i < 4; i += 1) {
    const { sod } = localParts(guess, timeZone);
    if (sod === 0) return guess;
    guess += (sod >= DAY / 2 ? DAY - sod : -sod) * 1000;
  }
  return guess; // a zone whose midnight does not exist that day: its day starts a bit later
}

/** The instant (ms) of the local midnight starting the day that contains `ms`. */
export function startOfDay(ms, timeZone) {
  return settleOnMidnight(ms - localParts(ms, timeZone).sod * 1000, timeZone);
}

/** The instant (ms) of the next local midnight after a local midnight `dayStart`. */
export function nextDay(dayStart, timeZone) {
  return settleOnMidnight(dayStart + DAY * 1000, timeZone);
}

// ---- layout --------------------------------------------------------------------------------

/**
 * One row per local day from `from` to `to`, each with the stretches that fall on it.
 * A stretch's x0 and x1 are fractions of the day by the local clock (0 = midnight), so the
 * hour grid and the opening hours line up with them on every day, day-saving days included.
 */
export function layoutDays(intervals, { from, to, timeZone = 'UTC', categoryOf }) {
  const start = Date.parse(from);
  const end = Date.parse(to);
  const rows = [];
  for (let day = startOfDay(start, timeZone); day < end; day = nextDay(day, timeZone)) {
    const dayEnd = nextDay(day, timeZone);
    const parts = localParts(day + 1000, timeZone);
    rows.push({ date: parts.date, weekday: parts.weekday, start: day, end: dayEnd, segments: [] });
  }
  let r = 0;
  for (const interval of intervals) {
    const a = Date.parse(interval.from);
    const b = Date.parse(interval.to);
    while (r < rows.length && rows[r].end <= a) r += 1;
    for (let k = r; k < rows.length && rows[k].start < b; k += 1) {
      const row = rows[k];
      const s = Math.max(a, row.start);
      const e = Math.min(b, row.end);
      if (e <= s) continue;
      row.segments.push({
        x0: s <= row.start ? 0 : localParts(s, timeZone).sod / DAY,
        x1: e >= row.end ? 1 : localParts(e, timeZone).sod / DAY,
        seconds: (e - s) / 1000,
        category: categoryOf(interval),
        from: new Date(s).toISOString(),
        to: new Date(e).toISOString(),
      });
    }
  }
  return rows;
}

/** Fractions of a day the widget's schedule is open on `weekday` ("mon"): [[x0, x1], ...]. */
export function openingHours(hours, weekday) {
  const toSeconds = (hhmm) => {
    const [h, m] = String(hhmm).split(':').map(Number);
    return h * 3600 + m * 60;
  };
  return ((hours ?? {})[weekday] ?? []).map(([a, b]) => [toSeconds(a) / DAY, toSeconds(b) / DAY]);
}

/** Seconds in each category, per row: what the row's totals column says. */
export function rowTotals(row) {
  const totals = {};
  for (const s of row.segments) totals[s.category] = (totals[s.category] ?? 0) + s.seconds;
  return totals;
}

/** "0 min", "45 s", "12 min", "3 h 05 min". */
export function formatDuration(seconds) {
  const s = Math.max(0, Math.round(Number(seconds) || 0));
  if (s < 60) return s === 0 ? '0 min' : `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m ? `${h} h ${String(m).padStart(2, '0')} min` : `${h} h`;
}

// ---- drawing -------------------------------------------------------------------------------

function esc(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function patternDefs(prefix, categories) {
  return Object.entries(categories).map(([key, { color, pattern }]) => {
    const id = `${prefix}-${key}`;
    const base = `<rect width="8" height="8" fill="${color}"/>`;
    const marks = {
      solid: '',
      stripes: '<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="#fff" stroke-width="1.6" stroke-opacity=".75"/>',
      dots: '<circle cx="4" cy="4" r="1.3" fill="#fff" fill-opacity=".8"/>',
      cross: '<path d="M0,0 l8,8 M8,0 l-8,8" stroke="#fff" stroke-width="1.1" stroke-opacity=".7"/>',
    }[pattern] ?? '';
    return `<pattern id="${id}" width="8" height="8" patternUnits="userSpaceOnUse">${base}${marks}</pattern>`;
  }).join('');
}

/** A swatch for a legend entry: a small SVG with the category's pattern. */
export function swatchSvg(prefix, key, categories) {
  return `<svg class="swatch" width="28" height="14" viewBox="0 0 28 14" aria-hidden="true">`
    + `<defs>${patternDefs(`${prefix}-sw-${key}`, { [key]: categories[key] })}</defs>`
    + `<rect width="28" height="14" rx="3" fill="url(#${prefix}-sw-${key}-${key})" stroke="#0002"/></svg>`;
}

const timeOf = (iso, timeZone) => new Date(iso).toLocaleTimeString('en-GB', {
  timeZone, hour: '2-digit', minute: '2-digit',
});

/**
 * The SVG markup of a timeline: one bar per row (label left, totals text right), the hour
 * grid, opening hours as a thin band under each bar, and a tooltip on every stretch.
 */
export function timelineSvg(rows, {
  categories, timeZone = 'UTC', prefix = 'tl', hours = null, label = 'Timeline',
  totalsOf = null, rowLabel = null,
}) {
  const width = 820;
  const left = 92;
  const right = 210;
  const bar = width - left - right;
  const rowH = 30;
  const top = 22;
  const height = top + rows.length * rowH + 6;
  const out = [];
  out.push(`<svg xmlns="${SVG_NS}" class="timeline" viewBox="0 0 ${width} ${height}" role="img" `
    + `aria-label="${esc(label)}" preserveAspectRatio="xMinYMin meet">`);
  out.push(`<defs>${patternDefs(prefix, categories)}</defs>`);
  for (const hour of [0, 3, 6, 9, 12, 15, 18, 21, 24]) {
    const x = left + (bar * hour) / 24;
    out.push(`<line x1="${x}" y1="${top - 4}" x2="${x}" y2="${height - 4}" class="grid"/>`);
    out.push(`<text x="${x}" y="${top - 8}" class="tick" text-anchor="middle">${String(hour).padStart(2, '0')}:00</text>`);
  }
  rows.forEach((row, i) => {
    const y = top + i * rowH;
    const name = rowLabel ? rowLabel(row) : row.date;
    out.push(`<g class="day" data-date="${esc(row.date)}">`);
    out.push(`<text x="${left - 8}" y="${y + 14}" class="day-label" text-anchor="end">${esc(name)}</text>`);
    out.push(`<rect x="${left}" y="${y + 2}" width="${bar}" height="16" class="no-data" rx="2"><title>${esc(name)}: no record</title></rect>`);
    for (const s of row.segments) {
      const x = left + bar * s.x0;
      const w = Math.max(bar * (s.x1 - s.x0), 0.5);
      const what = categories[s.category]?.label ?? s.category;
      out.push(`<rect x="${x.toFixed(2)}" y="${y + 2}" width="${w.toFixed(2)}" height="16" `
        + `fill="url(#${prefix}-${esc(s.category)})" data-category="${esc(s.category)}">`
        + `<title>${esc(what)}, ${timeOf(s.from, timeZone)}–${timeOf(s.to, timeZone)} (${formatDuration(s.seconds)})</title></rect>`);
    }
    if (hours) {
      for (const [x0, x1] of openingHours(hours, row.weekday)) {
        out.push(`<rect x="${(left + bar * x0).toFixed(2)}" y="${y + 20}" width="${(bar * (x1 - x0)).toFixed(2)}" `
          + `height="4" class="open-hours"><title>Opening hours</title></rect>`);
      }
    }
    if (totalsOf) {
      out.push(`<text x="${left + bar + 8}" y="${y + 14}" class="row-total">${esc(totalsOf(row))}</text>`);
    }
    out.push('</g>');
  });
  out.push('</svg>');
  return out.join('');
}

/** The legend as HTML: a patterned swatch and words for each category in use. */
export function legendHtml(categories, { prefix = 'tl', withHours = false } = {}) {
  const items = Object.entries(categories).map(([key, { label }]) => `<li data-category="${esc(key)}">`
    + `${swatchSvg(prefix, key, categories)}<span>${esc(label)}</span></li>`);
  if (withHours) {
    items.push('<li data-category="open-hours"><svg class="swatch" width="28" height="14" aria-hidden="true">'
      + '<rect y="5" width="28" height="4" class="open-hours"/></svg><span>Opening hours (schedule)</span></li>');
  }
  items.push('<li data-category="no-data"><svg class="swatch" width="28" height="14" aria-hidden="true">'
    + '<rect width="28" height="14" rx="3" class="no-data"/></svg><span>No record (not yet created, or in the future)</span></li>');
  return `<ul class="legend">${items.join('')}</ul>`;
}
