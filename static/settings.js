// Widget settings ("Hours and Targeting"): GET and PUT /api/v1/widgets/{widget} with the API
// key the operator pastes in (kept in sessionStorage only). 422 field errors are shown next to
// their fields.

import { showWidgetCoverage } from './coverage_view.js';
import { FrontdeskWidget } from './frontdesk.js';
import { showAccountSettings } from './account_settings.js';
import { showWebhooks } from './webhooks_view.js';
import { h } from './ui.js';

const KEY_STORAGE = 'frontdesk.apiKey';
const DAYS = [
  ['mon', 'Monday'], ['tue', 'Tuesday'], ['wed', 'Wednesday'], ['thu', 'Thursday'],
  ['fri', 'Friday'], ['sat', 'Saturday'], ['sun', 'Sunday'],
];
const FIELD_LABELS = {
  account: 'Account', mode: 'Mode', manual_status: 'Manual status', timezone: 'Timezone',
  hours: 'Weekly hours', closed_dates: 'Closed dates', offline_when_team_away: 'Team away',
  online_message: 'Online message', offline_message: 'Offline message',
  allowed_origins: 'Allowed origins', routing: 'Routing',
  max_conversations_per_agent: 'Conversations per agent', max_queue: 'Longest queue',
  max_queue_wait: 'Longest wait', body: 'Request',
};
const REASONS = { manual: 'set by hand', schedule: 'by the schedule', team_away: 'no agent available' };

const $ = (id) => document.getElementById(id);
const form = $('settings');
const widget = new URLSearchParams(location.search).get('widget') || 'demo';
const apiBase = new URL('api/v1/', new URL('/', location.href)).href;
const widgetUrl = `${apiBase}widgets/${encodeURIComponent(widget)}`;

/** The editor's state for the fields that are not plain inputs, and the settings last stored. */
const state = { hours: emptyWeek(), closedDates: [], stored: null };

function emptyWeek() {
  return Object.fromEntries(DAYS.map(([d]) => [d, []]));
}

// ---- the API -----------------------------------------------------------------------------

function apiKey() {
  return sessionStorage.getItem(KEY_STORAGE);
}

async function request(method, url, body) {
  const headers = { accept: 'application/json' };
  const key = apiKey();
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let data = null;
  try {
    data = await response.json();
  } catch {
    // an empty or non-JSON body: the status says enough
  }
  return { status: response.status, data };
}

// ---- notices -----------------------------------------------------------------------------

function notice(text, kind = '') {
  const el = $('notice');
  el.className = `notice ${kind}`.trim();
  el.textContent = text;
}

function saveState(text, kind = '') {
  const el = $('save-state');
  el.className = `notice ${kind}`.trim();
  el.textContent = text;
}

// ---- the timezone ------------------------------------------------------------------------

function fillTimezones() {
  let zones = [];
  try {
    zones = Intl.supportedValuesOf('timeZone');
  } catch {
    // an older browser: the field still takes any name, and the server checks it
  }
  if (!zones.includes('UTC')) zones = ['UTC', ...zones];
  $('timezones').replaceChildren(...zones.map((z) => h('option', { value: z })));
}

function showZoneTime() {
  const zone = $('timezone').value.trim() || 'UTC';
  try {
    $('tz-now').textContent = new Date().toLocaleString([], {
      timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', timeZoneName: 'short',
    });
  } catch {
    $('tz-now').textContent = 'not a known timezone';
  }
}

// ---- weekly hours ------------------------------------------------------------------------

function renderWeek() {
  $('week').replaceChildren(...DAYS.map(([day, name]) => {
    const intervals = state.hours[day];
    const rows = intervals.map(([start, end], i) => h('div', { class: 'interval' },
      h('input', {
        value: start, maxlength: '5', inputmode: 'numeric', pattern: '\\d{2}:\\d{2}', placeholder: '09:00',
        'aria-label': `${name}, interval ${i + 1}, opens at`, dataset: { day, index: String(i), part: '0' },
      }),
      h('span', { 'aria-hidden': 'true' }, '–'),
      h('input', {
        value: end, maxlength: '5', inputmode: 'numeric', pattern: '\\d{2}:\\d{2}', placeholder: '17:00',
        'aria-label': `${name}, interval ${i + 1}, closes at`, dataset: { day, index: String(i), part: '1' },
      }),
      h('button', {
        type: 'button', class: 'ghost small', 'aria-label': `Remove ${name} interval ${i + 1}`,
        onclick: () => { state.hours[day].splice(i, 1); renderWeek(); },
      }, '✕')));
    return h('div', { class: 'day', dataset: { day } },
      h('div', { class: 'day-name', id: `day-${day}` }, name),
      h('div', { class: 'intervals', role: 'group', 'aria-labelledby': `day-${day}` },
        rows.length ? rows : h('span', { class: 'closed-label' }, 'Closed')),
      h('button', {
        type: 'button', class: 'small', 'aria-label': `Add hours on ${name}`,
        onclick: () => { state.hours[day].push(nextInterval(state.hours[day])); renderWeek(); },
      }, '+ Hours'),
      h('p', { class: 'field-error', dataset: { errorFor: `hours.${day}` } }));
  }));
}

function nextInterval(intervals) {
  if (!intervals.length) return ['09:00', '17:00'];
  const last = intervals.at(-1)[1];
  const [hh, mm] = last.split(':').map(Number);
  const start = Number.isFinite(hh) ? Math.min(hh + 1, 23) : 18;
  const pad = (n) => String(n).padStart(2, '0');
  return [`${pad(start)}:${pad(mm || 0)}`, `${pad(Math.min(start + 2, 23))}:${pad(mm || 0)}`];
}

$('week').addEventListener('input', (event) => {
  const { day, index, part } = event.target.dataset;
  if (!day) return;
  state.hours[day][Number(index)][Number(part)] = event.target.value.trim();
});

$('copy-monday').addEventListener('click', () => {
  for (const day of ['tue', 'wed', 'thu', 'fri']) state.hours[day] = state.hours.mon.map((i) => [...i]);
  renderWeek();
});

// ---- closed dates ------------------------------------------------------------------------

function renderClosedDates() {
  $('closed-dates').replaceChildren(...state.closedDates.map((date) => h('li', { class: 'chip', dataset: { date } },
    date,
    h('button', {
      type: 'button', 'aria-label': `Remove ${date}`,
      onclick: () => { state.closedDates = state.closedDates.filter((d) => d !== date); renderClosedDates(); },
    }, '×'))));
}

$('add-closed-date').addEventListener('click', () => {
  const value = $('closed-date-input').value;
  if (!value) return;
  state.closedDates = [...new Set([...state.closedDates, value])].sort();
  $('closed-date-input').value = '';
  renderClosedDates();
});

// ---- the form <-> a settings document ----------------------------------------------------

function setRadio(name, value) {
  for (const input of form.elements[name]) input.checked = input.value === value;
}

/** The account is fixed once the widget exists (a PUT naming another is refused). */
function lockAccount(exists) {
  const input = form.elements.account;
  input.readOnly = exists;
  input.setAttribute('aria-readonly', String(exists));
  $('account-help').textContent = exists
    ? 'The business this widget belongs to: fixed now that the widget exists.'
    : 'The business this widget belongs to (fixed once created).';
}

function fill(settings, exists = true) {
  form.elements.account.value = settings.account ?? '';
  lockAccount(exists);
  setRadio('mode', settings.mode ?? 'manual');
  setRadio('manual_status', settings.manual_status ?? 'online');
  $('timezone').value = settings.timezone ?? 'UTC';
  $('offline_when_team_away').checked = Boolean(settings.offline_when_team_away);
  $('online_message').value = settings.online_message ?? '';
  $('offline_message').value = settings.offline_message ?? '';
  $('allowed_origins').value = (settings.allowed_origins ?? []).join('\n');
  $('routing').value = settings.routing ?? 'broadcast';
  $('max_conversations_per_agent').value = String(settings.max_conversations_per_agent ?? 0);
  $('max_queue').value = String(settings.max_queue ?? 0);
  $('max_queue_wait').value = String(settings.max_queue_wait ?? 0);
  if (exists && settings.account) showAccountSettings(settings.account, request, apiBase);
  if (exists && settings.account) showWebhooks(settings.account, request, apiBase);
  state.hours = emptyWeek();
  for (const [day, intervals] of Object.entries(settings.hours ?? {})) {
    state.hours[day] = (intervals ?? []).map((pair) => [...pair]);
  }
  state.closedDates = [...(settings.closed_dates ?? [])];
  renderWeek();
  renderClosedDates();
  showZoneTime();
  dimUnusedFields();
}

function collect() {
  const capacity = $('max_conversations_per_agent').value.trim();
  const hours = {};
  for (const [day] of DAYS) hours[day] = state.hours[day].map(([s, e]) => [s, e]);
  return {
    account: form.elements.account.value.trim(),
    mode: form.elements.mode.value || 'manual',
    manual_status: form.elements.manual_status.value || 'online',
    timezone: $('timezone').value.trim(),
    hours,
    closed_dates: [...state.closedDates],
    offline_when_team_away: $('offline_when_team_away').checked,
    online_message: $('online_message').value,
    offline_message: $('offline_message').value,
    allowed_origins: $('allowed_origins').value.split('\n').map((s) => s.trim()).filter(Boolean),
    routing: $('routing').value,
    max_conversations_per_agent: capacity === '' ? 0 : Number(capacity),
    max_queue: numberOrZero($('max_queue').value),
    max_queue_wait: numberOrZero($('max_queue_wait').value),
  };
}

/** An empty box means 0; anything else goes as typed, so the server can name what is wrong. */
function numberOrZero(text) {
  const value = text.trim();
  return value === '' ? 0 : Number(value);
}

function dimUnusedFields() {
  const scheduled = form.elements.mode.value === 'scheduled';
  $('manual-status-field').classList.toggle('is-dimmed', scheduled);
  $('schedule-panel').classList.toggle('is-dimmed', !scheduled);
}

form.addEventListener('change', (event) => {
  if (event.target.name === 'mode') dimUnusedFields();
});
$('timezone').addEventListener('input', showZoneTime);

// ---- field errors (422) ------------------------------------------------------------------

function clearErrors() {
  for (const el of form.querySelectorAll('[data-error-for]')) el.textContent = '';
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  $('error-summary').hidden = true;
  $('error-summary').textContent = '';
}

function capitalize(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The error slot for a field name: "hours.mon.0" falls back to "hours.mon", then "hours". */
function errorSlot(name) {
  let key = String(name);
  while (key) {
    const slot = form.querySelector(`[data-error-for="${CSS.escape(key)}"]`);
    if (slot) return { slot, key };
    const cut = Math.max(key.lastIndexOf('.'), key.lastIndexOf('['));
    if (cut <= 0) break;
    key = key.slice(0, cut);
  }
  return null;
}

/** The inputs a field's error is about, to mark them aria-invalid. */
function inputsFor(key) {
  if (key.startsWith('hours.')) return [...form.querySelectorAll(`.day[data-day="${CSS.escape(key.slice(6))}"] input`)];
  if (key === 'closed_dates') return [$('closed-date-input')];
  const named = form.elements[key];
  if (!named) return [];
  return named instanceof RadioNodeList ? [...named] : [named];
}

function showErrors(fields, message) {
  clearErrors();
  const items = [];
  for (const [name, text] of Object.entries(fields ?? {})) {
    const found = errorSlot(name);
    const label = FIELD_LABELS[name] ?? FIELD_LABELS[name.split(/[.[]/)[0]] ?? name;
    const day = name.startsWith('hours.') ? DAYS.find(([d]) => d === name.split('.')[1])?.[1] : null;
    items.push(`${day ? `${label}, ${day}` : label}: ${text}`);
    if (!found) continue;
    found.slot.textContent = found.slot.textContent ? `${found.slot.textContent}; ${text}` : String(text);
    for (const input of inputsFor(found.key)) {
      input.setAttribute('aria-invalid', 'true');
      if (found.slot.id) input.setAttribute('aria-errormessage', found.slot.id);
    }
  }
  const summary = $('error-summary');
  summary.replaceChildren(
    h('strong', {}, capitalize(message || 'some settings need fixing')),
    h('ul', {}, ...items.map((t) => h('li', {}, t))));
  summary.hidden = false;
  summary.focus();
}

// ---- load, save, live status -------------------------------------------------------------

function showStatus(data) {
  const pill = $('live-status');
  pill.className = `pill ${data.status}`;
  pill.dataset.status = data.status;
  pill.textContent = data.status === 'online' ? 'Online' : 'Offline';
  const next = data.next_change ? ` · changes ${new Date(data.next_change).toLocaleString()}` : '';
  $('live-reason').textContent = `${REASONS[data.reason] ?? data.reason}${next}`;
}

// "Right now" is live: the widget's own socket pushes every change (as a visitor's would,
// without a visitor id kept or a page sent). Where that socket cannot open (the widget's
// allowed origins leave this page out, or it does not exist yet), the status route is
// polled every 10 s instead.
let live = null;

function watchStatus() {
  if (live) return;
  live = new FrontdeskWidget({ widget, server: location.origin, storage: null, page: null });
  live.on('open', (welcome) => { document.body.dataset.live = 'true'; showStatus(welcome.widget); });
  live.on('widget.status', showStatus);
  live.on('close', (info) => {
    document.body.dataset.live = 'false';
    if (!info.reconnect) live = null;
  });
  live.connect();
}

async function refreshStatus() {
  if (live?.state === 'open') return;
  try {
    const { status, data } = await request('GET', `${widgetUrl}/status`);
    const pill = $('live-status');
    if (status !== 200 || !data) {
      pill.className = 'pill offline';
      pill.dataset.status = 'unknown';
      pill.textContent = status === 404 ? 'not created yet' : 'unknown';
      $('live-reason').textContent = '';
      return;
    }
    showStatus(data);
    watchStatus();
  } catch {
    // the server is away; the next refresh tells
  }
}

function renderKey() {
  const hasKey = Boolean(apiKey());
  $('key-form').hidden = hasKey;
  $('key-set').hidden = !hasKey;
}

async function load() {
  clearErrors();
  saveState('');
  renderKey();
  if (!apiKey()) {
    form.hidden = true;
    notice('Paste the API key of this Frontdesk to view and edit the widget settings.');
    $('api-key').focus();
    return;
  }
  notice('Loading…');
  let result;
  try {
    result = await request('GET', widgetUrl);
  } catch {
    notice('Could not reach the server.', 'error');
    return;
  }
  if (result.status === 401) {
    sessionStorage.removeItem(KEY_STORAGE);
    renderKey();
    form.hidden = true;
    notice('That API key was refused. Paste the right one.', 'error');
    return;
  }
  if (result.status === 404) {
    fill({ account: '', mode: 'manual', manual_status: 'online', timezone: 'UTC', hours: {} }, false);
    form.hidden = false;
    notice(`There is no widget "${widget}" yet: fill in its account and save to create it.`, 'warn');
    return;
  }
  if (result.status !== 200) {
    notice(result.data?.message ?? `The server answered ${result.status}.`, 'error');
    return;
  }
  fill(result.data);
  form.hidden = false;
  notice('');
  document.body.dataset.loaded = 'true';
  loadPicker(result.data.account);
  state.stored = result.data;
  refreshCoverage();
}

async function refreshCoverage() {
  if (!apiKey() || !state.stored) return;
  try {
    await showWidgetCoverage($('coverage'), { widgetUrl, request, settings: state.stored });
    document.body.dataset.coverage = 'shown';
  } catch {
    // the server is away; the next refresh tells
  }
}

/** The account's widgets (GET /api/v1/accounts/{account}/widgets), to switch between them. */
async function loadPicker(account) {
  if (!account) return;
  let listed;
  try {
    listed = await request('GET', `${apiBase}accounts/${encodeURIComponent(account)}/widgets`);
  } catch {
    return;
  }
  if (listed.status !== 200 || !Array.isArray(listed.data)) return;
  const picker = $('widget-picker');
  picker.replaceChildren(...listed.data.map((item) => h('option', {
    value: item.widget, selected: item.widget === widget,
  }, `${item.widget} (${item.status.status})`)));
  $('picker-row').hidden = listed.data.length < 2;
}

$('widget-picker').addEventListener('change', (event) => {
  const url = new URL(location.href);
  url.searchParams.set('widget', event.target.value);
  location.assign(url.href);
});

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const button = $('save');
  button.disabled = true;
  saveState('Saving…');
  try {
    const { status, data } = await request('PUT', widgetUrl, collect());
    if (status === 200) {
      clearErrors();
      fill(data);
      state.stored = data;
      saveState('Saved. The change is live.', '');
      notice('');
      document.body.dataset.loaded = 'true';
      refreshStatus();
      setTimeout(refreshCoverage, 300);
    } else if (status === 422) {
      showErrors(data?.fields, data?.message);
      saveState('Not saved: see the fields marked in red.', 'error');
    } else if (status === 401) {
      saveState('Not saved: the API key was refused.', 'error');
    } else {
      saveState(`Not saved: ${data?.message ?? `the server answered ${status}`}.`, 'error');
    }
  } catch {
    saveState('Not saved: the server could not be reached.', 'error');
  } finally {
    button.disabled = false;
  }
});

$('reload').addEventListener('click', load);

$('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const key = $('api-key').value.trim();
  if (!key) return;
  sessionStorage.setItem(KEY_STORAGE, key);
  $('api-key').value = '';
  load();
});

$('forget-key').addEventListener('click', () => {
  sessionStorage.removeItem(KEY_STORAGE);
  form.hidden = true;
  load();
});

$('widget-name').textContent = widget;
document.title = `Frontdesk · Hours and Targeting · ${widget}`;
fillTimezones();
renderWeek();
load();
refreshStatus();
setInterval(refreshStatus, 10000);
setInterval(refreshCoverage, 60000);
